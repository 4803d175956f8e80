// A small MLP classifier written with Kokkos for `kdash train`: x -> W1 x + b1 -> ReLU -> W2 h + b2 -> softmax
// cross-entropy, with the backward pass by hand. Parameters live in flat device Views (row-major matrices), the
// form an optimizer takes them in.
#pragma once

#include <kdash/backends/execution.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash::tools::train {

using Vector = Kokkos::View<float*, Kokkos::LayoutRight, DefaultExecSpace::memory_space>;
using Matrix = Kokkos::View<float**, Kokkos::LayoutRight, DefaultExecSpace::memory_space>;
using Labels = Kokkos::View<int*, DefaultExecSpace::memory_space>;

struct Param {
  std::string name;
  std::vector<std::int64_t> shape;  // {rows, cols} or {n}
  Vector value, grad;
  std::int64_t numel() const { return static_cast<std::int64_t>(value.extent(0)); }
};

struct Evaluation {
  double loss = 0;      // mean cross-entropy
  double accuracy = 0;  // fraction of argmax == label
};

class Mlp {
 public:
  // He-normal W1 (ReLU follows), Glorot-normal W2, zero biases, drawn on the host from std::mt19937_64(seed) with
  // Box-Muller: the same seed gives the same initial model on every backend (DASH and Adam start equal).
  Mlp(int inputs, int hidden, int classes, std::uint64_t seed);

  // Mean cross-entropy of the batch (x: batch x inputs, y: batch) and its gradient in every Param::grad.
  double loss_and_gradient(const Matrix& x, const Labels& y);
  Evaluation evaluate(const Matrix& x, const Labels& y);

  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  int inputs() const { return inputs_; }
  int classes() const { return classes_; }

 private:
  void forward(const Matrix& x, int batch);
  int inputs_, hidden_, classes_;
  std::vector<Param> params_;  // W1 (hidden x inputs), b1, W2 (classes x hidden), b2
  Matrix z1_, h_, logits_, dlogits_, dh_;
};

}  // namespace kdash::tools::train
