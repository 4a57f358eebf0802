// rateopt's version and git revision, as every tool's audit block and --version print them.
#include "rateopt/build_config.hpp"
#include "rateopt/git_revision.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

std::string version_string() { return RATEOPT_VERSION; }

std::string git_revision() { return RATEOPT_GIT_REVISION; }

}  // namespace rateopt
