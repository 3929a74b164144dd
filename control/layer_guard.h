// Included by every control header: the data plane must never see control's types.
#pragma once
#if defined(SYSPLEX_LAYER_DATAPLANE)
#error "dataplane/ must not include control/ headers: talk to control through dataplane's published interfaces"
#endif
