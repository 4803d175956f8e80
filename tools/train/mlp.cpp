#include "train/mlp.hpp"

#include <kdash/backends/kokkos_compat.hpp>

#include <cmath>
#include <random>
#include <stdexcept>

namespace kdash::tools::train {
namespace {

using Policy2 = Kokkos::MDRangePolicy<DefaultExecSpace, Kokkos::Rank<2>>;
using Range = Kokkos::RangePolicy<DefaultExecSpace>;
using Unmanaged =
    Kokkos::View<float**, Kokkos::LayoutRight, DefaultExecSpace::memory_space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
using ConstUnmanaged = Kokkos::View<const float**, Kokkos::LayoutRight, DefaultExecSpace::memory_space,
                                    Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

Unmanaged as_matrix(const Param& p) { return Unmanaged(p.value.data(), p.shape[0], p.shape[1]); }
Unmanaged grad_matrix(const Param& p) { return Unmanaged(p.grad.data(), p.shape[0], p.shape[1]); }

Param make_param(const std::string& name, std::vector<std::int64_t> shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return Param{name, std::move(shape), Vector("kdash::train::" + name, n), Vector("kdash::train::d" + name, n)};
}

// Standard normal draws from 64-bit uniforms (Box-Muller), independent of the standard library's distributions.
void fill_normal(const Vector& v, double stddev, std::mt19937_64& gen) {
  auto h = Kokkos::create_mirror_view(v);
  const double two_pi = 6.283185307179586;
  for (std::size_t i = 0; i < h.extent(0); i += 2) {
    const double u1 = (double(gen() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = double(gen() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    h(i) = float(stddev * r * std::cos(two_pi * u2));
    if (i + 1 < h.extent(0)) h(i + 1) = float(stddev * r * std::sin(two_pi * u2));
  }
  Kokkos::deep_copy(v, h);
}

// out(b, j) = sum_k in(b, k) w(j, k) + bias(j)   (a dense layer, W stored out x in as in PyTorch).
void dense(const ConstUnmanaged& in, const Unmanaged& w, const Vector& bias, const Matrix& out, int batch) {
  const int k_in = static_cast<int>(w.extent(1));
  Kokkos::parallel_for(
      "kdash::train::dense_forward", Policy2({0, 0}, {batch, int(w.extent(0))}), KOKKOS_LAMBDA(int b, int j) {
        float acc = bias(j);
        for (int k = 0; k < k_in; ++k) acc += in(b, k) * w(j, k);
        out(b, j) = acc;
      });
}

// Gradients of a dense layer from dout (batch x out): dW(j, k) = sum_b dout(b, j) in(b, k), db(j) = sum_b dout(b, j).
void dense_weight_grad(const ConstUnmanaged& in, const Matrix& dout, const Unmanaged& dw, const Vector& db, int batch) {
  Kokkos::parallel_for(
      "kdash::train::dense_weight_grad", Policy2({0, 0}, {int(dw.extent(0)), int(dw.extent(1))}),
      KOKKOS_LAMBDA(int j, int k) {
        float acc = 0;
        for (int b = 0; b < batch; ++b) acc += dout(b, j) * in(b, k);
        dw(j, k) = acc;
      });
  Kokkos::parallel_for(
      "kdash::train::dense_bias_grad", Range(0, int(db.extent(0))), KOKKOS_LAMBDA(int j) {
        float acc = 0;
        for (int b = 0; b < batch; ++b) acc += dout(b, j);
        db(j) = acc;
      });
}

// h = max(z1, 0) on the first `batch` rows. A free function: CUDA allows no device lambda in a private member.
void relu(const Matrix& z1, const Matrix& h, int batch) {
  Kokkos::parallel_for(
      "kdash::train::relu", Policy2({0, 0}, {batch, int(h.extent(1))}),
      KOKKOS_LAMBDA(int b, int j) { h(b, j) = z1(b, j) > 0 ? z1(b, j) : 0.0f; });
}

}  // namespace

Mlp::Mlp(int inputs, int hidden, int classes, std::uint64_t seed)
    : inputs_(inputs), hidden_(hidden), classes_(classes) {
  if (inputs < 1 || hidden < 1 || classes < 2) throw std::invalid_argument("MLP: sizes must be >= 1 (classes >= 2)");
  params_.push_back(make_param("W1", {hidden, inputs}));
  params_.push_back(make_param("b1", {hidden}));
  params_.push_back(make_param("W2", {classes, hidden}));
  params_.push_back(make_param("b2", {classes}));
  std::mt19937_64 gen(seed);
  fill_normal(params_[0].value, std::sqrt(2.0 / inputs), gen);
  fill_normal(params_[2].value, std::sqrt(2.0 / (hidden + classes)), gen);
}

void Mlp::forward(const Matrix& x, int batch) {
  if (int(z1_.extent(0)) < batch) {
    z1_ = Matrix("kdash::train::z1", batch, hidden_);
    h_ = Matrix("kdash::train::h", batch, hidden_);
    logits_ = Matrix("kdash::train::logits", batch, classes_);
    dlogits_ = Matrix("kdash::train::dlogits", batch, classes_);
    dh_ = Matrix("kdash::train::dh", batch, hidden_);
  }
  dense(x, as_matrix(params_[0]), params_[1].value, z1_, batch);
  relu(z1_, h_, batch);
  dense(h_, as_matrix(params_[2]), params_[3].value, logits_, batch);
}

double Mlp::loss_and_gradient(const Matrix& x, const Labels& y) {
  const int batch = static_cast<int>(x.extent(0));
  if (int(x.extent(1)) != inputs_ || int(y.extent(0)) != batch) {
    throw std::invalid_argument("MLP: batch shapes do not match the model");
  }
  forward(x, batch);
  // Softmax cross-entropy, stabilised by the row maximum; dlogits = (softmax - onehot) / batch.
  auto logits = logits_, dlogits = dlogits_;
  const int classes = classes_;
  double loss = 0;
  Kokkos::parallel_reduce(
      "kdash::train::softmax_xent", Range(0, batch),
      KOKKOS_LAMBDA(int b, double& sum) {
        float m = logits(b, 0);
        for (int c = 1; c < classes; ++c) m = logits(b, c) > m ? logits(b, c) : m;
        float z = 0;
        for (int c = 0; c < classes; ++c) z += compat::exp(logits(b, c) - m);
        const float log_z = m + compat::log(z);
        sum += double(log_z - logits(b, y(b)));
        for (int c = 0; c < classes; ++c) {
          const float p = compat::exp(logits(b, c) - log_z);
          dlogits(b, c) = (p - (c == y(b) ? 1.0f : 0.0f)) / float(batch);
        }
      },
      loss);
  dense_weight_grad(h_, dlogits_, grad_matrix(params_[2]), params_[3].grad, batch);
  // dh = dlogits W2, masked by ReLU'(z1).
  auto w2 = as_matrix(params_[2]);
  auto z1 = z1_, dh = dh_;
  Kokkos::parallel_for(
      "kdash::train::relu_backward", Policy2({0, 0}, {batch, hidden_}), KOKKOS_LAMBDA(int b, int k) {
        float acc = 0;
        for (int c = 0; c < classes; ++c) acc += dlogits(b, c) * w2(c, k);
        dh(b, k) = z1(b, k) > 0 ? acc : 0.0f;
      });
  dense_weight_grad(x, dh_, grad_matrix(params_[0]), params_[1].grad, batch);
  Kokkos::fence();
  return loss / batch;
}

Evaluation Mlp::evaluate(const Matrix& x, const Labels& y) {
  const int batch = static_cast<int>(x.extent(0));
  forward(x, batch);
  auto logits = logits_;
  const int classes = classes_;
  double loss = 0;
  int correct = 0;
  Kokkos::parallel_reduce(
      "kdash::train::evaluate", Range(0, batch),
      KOKKOS_LAMBDA(int b, double& sum, int& hits) {
        float m = logits(b, 0);
        int arg = 0;
        for (int c = 1; c < classes; ++c)
          if (logits(b, c) > m) {
            m = logits(b, c);
            arg = c;
          }
        float z = 0;
        for (int c = 0; c < classes; ++c) z += compat::exp(logits(b, c) - m);
        sum += double(m + compat::log(z) - logits(b, y(b)));
        hits += arg == y(b) ? 1 : 0;
      },
      loss, correct);
  return {loss / batch, double(correct) / batch};
}

}  // namespace kdash::tools::train
