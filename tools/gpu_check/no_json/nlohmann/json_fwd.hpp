// Stand-in for nlohmann/json_fwd.hpp in the device check's build (tools/gpu_check): the GPU machine has
// no nlohmann, and the grid's headers (rateopt/grid.hpp through option_table.hpp) only name
// nlohmann::json in declarations that the check program never calls.
#pragma once

namespace nlohmann {
class json;
}  // namespace nlohmann
