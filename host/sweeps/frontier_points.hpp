// One frontier point as the frontier's result.json writes it, and back: ranks of a sweep under mpirun
// send their points to rank 0 this way (host/parallel/sharded.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "rateopt/sweep.hpp"

namespace rateopt {

nlohmann::ordered_json frontier_point_json(const FrontierPoint& point);
FrontierPoint frontier_point_from_json(const nlohmann::ordered_json& j);

}  // namespace rateopt
