// One problem found in a profile, pointing at the file, line and column an operator must edit.
// The lexer, the statement parsers and the validator all report through this one type.
#pragma once

#include <string>
#include <vector>

#include "config/profile.h"

namespace sysplex::config {

struct Diagnostic {
  SourcePos pos;
  std::string message;

  // "FILE:LINE:COL: message", the form editors and grep understand.
  std::string to_string() const {
    return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace sysplex::config
