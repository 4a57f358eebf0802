// A Backend decorator that asks the caller before every pass whether to go on (Ctrl-C in Python).
#include "optimise/backend/stoppable.hpp"

#include <utility>

#include "rateopt/errors.hpp"

namespace rateopt {
namespace {

class StoppableBackend final : public Backend {
 public:
  StoppableBackend(std::unique_ptr<Backend> inner, StopRequest should_stop)
      : inner_(std::move(inner)), should_stop_(std::move(should_stop)) {}

  std::string name() const override { return inner_->name(); }
  std::string device_name() const override { return inner_->device_name(); }
  void upload(const PolicyArrays& policies) override { inner_->upload(policies); }
  void set_multipliers(const std::vector<double>& m) override { inner_->set_multipliers(m); }
  void get_multipliers(std::vector<double>& m) override { inner_->get_multipliers(m); }
  void evaluate(PassSums& out) override {
    check();
    inner_->evaluate(out);
  }
  void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) override {
    check();
    inner_->lagrangian_argmax(omega, want_curvature, out);
  }
  void newton_system(const std::vector<double>& omega, PassSums& out) override {
    check();
    inner_->newton_system(omega, out);
  }
  void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                    PassSums& out) override {
    check();
    inner_->newton_trial(omega, z, alpha, out);
  }
  void accept_trial() override { inner_->accept_trial(); }
  int64_t passes() const override { return inner_->passes(); }

 private:
  void check() {
    if (should_stop_()) throw Cancelled();
  }
  std::unique_ptr<Backend> inner_;
  StopRequest should_stop_;
};

}  // namespace

std::unique_ptr<Backend> make_stoppable_backend(std::unique_ptr<Backend> inner, StopRequest should_stop) {
  if (!should_stop) return inner;
  return std::make_unique<StoppableBackend>(std::move(inner), std::move(should_stop));
}

}  // namespace rateopt
