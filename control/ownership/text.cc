// Names and one-line texts of actions, statuses and states, for logs and displays.
#include <string>
#include <type_traits>

#include "control/ownership/actions.h"
#include "control/ownership/member.h"

namespace sysplex::ownership {

std::string_view to_string(ActivateReason r) {
  switch (r) {
    case ActivateReason::kDefine: return "define";
    case ActivateReason::kTakeoverFailed: return "takeover-failed";
    case ActivateReason::kTakeoverLeft: return "takeover-left";
    case ActivateReason::kTakeback: return "takeback";
    case ActivateReason::kReactivate: return "reactivate";
    case ActivateReason::kRecovered: return "recovered";
  }
  return "unknown";
}

std::string_view to_string(DeactivateReason r) {
  switch (r) {
    case DeactivateReason::kTakenOver: return "taken-over";
    case DeactivateReason::kTakenBack: return "taken-back";
    case DeactivateReason::kOperator: return "operator";
    case DeactivateReason::kLeave: return "leave";
    case DeactivateReason::kFenced: return "fenced";
    case DeactivateReason::kLeaseLost: return "lease-lost";
    case DeactivateReason::kRecordLost: return "record-lost";
  }
  return "unknown";
}

std::string_view to_string(NoticeReason r) {
  switch (r) {
    case NoticeReason::kOwnerLeft: return "owner-left";
    case NoticeReason::kOwnerFailed: return "owner-failed";
    case NoticeReason::kTakeback: return "takeback";
  }
  return "unknown";
}

std::string to_string(const Action& a) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Activate>) {
          return "activate " + to_string(x.dvipa) + " epoch=" + std::to_string(x.epoch) +
                 (x.distribute ? " distribute" : "") + " reason=" + std::string(to_string(x.reason)) +
                 (x.previous_owner.empty() ? "" : " previous=" + x.previous_owner);
        } else if constexpr (std::is_same_v<T, Deactivate>) {
          return "deactivate " + to_string(x.dvipa) + " epoch=" + std::to_string(x.epoch) +
                 " reason=" + std::string(to_string(x.reason)) + (x.keep_connections ? " keep-connections" : "") +
                 (x.new_owner.empty() ? "" : " new-owner=" + x.new_owner);
        } else if constexpr (std::is_same_v<T, StopServing>) {
          return "stop-serving " + to_string(x.dvipa);
        } else if constexpr (std::is_same_v<T, BecomeBackup>) {
          return "backup " + to_string(x.dvipa) + " rank=" + std::to_string(x.rank);
        } else if constexpr (std::is_same_v<T, SendTakeoverNotice>) {
          return "takeover-notice " + to_string(x.dvipa) + " epoch=" + std::to_string(x.epoch) +
                 " reason=" + std::string(to_string(x.reason));
        } else if constexpr (std::is_same_v<T, RequestConnections>) {
          return "request-connections " + to_string(x.dvipa) + " epoch=" + std::to_string(x.epoch);
        } else {
          return "announce " + to_string(x.dvipa);
        }
      },
      a);
}

std::string_view to_string(DvipaStatus s) {
  switch (s) {
    case DvipaStatus::kActive: return "ACTIVE";
    case DvipaStatus::kBackup: return "BACKUP";
    case DvipaStatus::kMoving: return "MOVING";
    case DvipaStatus::kQuiescing: return "QUIESCING";
    case DvipaStatus::kDeactivated: return "DEACTIVATED";
    case DvipaStatus::kInactive: return "INACTIVE";
  }
  return "UNKNOWN";
}

std::string_view to_string(MemberStatus s) {
  switch (s) {
    case MemberStatus::kJoining: return "joining";
    case MemberStatus::kActive: return "active";
    case MemberStatus::kLeaving: return "leaving";
    case MemberStatus::kLeft: return "left";
  }
  return "unknown";
}

std::string_view to_string(JoinState s) {
  switch (s) {
    case JoinState::kOut: return "out";
    case JoinState::kJoining: return "joining";
    case JoinState::kMember: return "member";
    case JoinState::kLeaving: return "leaving";
  }
  return "unknown";
}

std::string_view to_string(OutReason r) {
  switch (r) {
    case OutReason::kNotJoined: return "not a member of the group yet";
    case OutReason::kOperatorLeave: return "left the group (operator)";
    case OutReason::kAutonomicsLeave: return "left the group (sysplex autonomics)";
    case OutReason::kShutdown: return "left the group (shutdown)";
    case OutReason::kLeaseLost: return "the store expired the lease; rejoining";
  }
  return "unknown";
}

}  // namespace sysplex::ownership
