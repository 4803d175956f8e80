// Options and per-block results of the batched inverse-root solvers.
#pragma once

#include <kdash/backends/gemm_path.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kdash {

// Which method computes A^(-1/p) (design.md §3): eigendecomposition, coupled Newton, Newton with Denman-Beavers
// coupling, Chebyshev polynomial (Clenshaw), or chosen per block size and space. The JSON and command-line spellings
// are the reference's: evd, cn, ndb, cbshv, auto (docs/api.md has the table).
enum class RootMethod { evd, coupled_newton, newton_denman_beavers, chebyshev, automatic };
// How the iterative solvers scale A before iterating: Frobenius norm, power iteration, multi-vector power iteration
// (JSON: fro, pi, pim).
enum class Scaling { frobenius, power_iteration, multi_vector_power_iteration };
// Precision of the solver's GEMM inputs; accumulation is always at least fp32, state is fp32 (fp64 for fp64).
//   fp32  fp32 inputs (a double stack is solved in double),
//   tf32  fp32 storage and accumulation, GEMM inputs rounded to TF32 (10 mantissa bits): tensor cores on CUDA
//         (cuBLAS CUBLAS_COMPUTE_32F_FAST_TF32), plain fp32 on HIP (rocBLAS has no TF32 mode), emulated on host
//         backends by rounding the inputs before an fp32 GEMM,
//   fp16, bf16  16-bit GEMM inputs with fp32 accumulation (tensor cores on GPUs, emulated on the host likewise),
//   fp64  everything in double.
enum class Precision { fp32, fp16, bf16, fp64, tf32 };
// EVD eigenvalue fix-up: Shampoo rule (lambda + eps - min(min lambda, 0)), |lambda|, |lambda| + eps, relu
// (pseudo-inverse).
enum class EigenFixup { shampoo, abs, abs_add, relu };
enum class RootStatus : int { converged = 0, not_converged = 1, non_finite = 2, fallback = 3 };

// Upper bounds of the options whose cost (time, memory) grows with their value long after the accuracy they buy has
// saturated. validate_root_options rejects larger values, naming the option and the bound.
namespace limits {
inline constexpr int max_iterations = 1000;           // Newton iterations converge quadratically: tens suffice
inline constexpr int power_iteration_steps = 10000;   // enough for an eigenvalue gap ratio of 0.999
inline constexpr int power_iteration_vectors = 1024;  // start vectors: beyond the block size they add nothing
inline constexpr int chebyshev_degree = 1000;         // one GEMM per degree per root
inline constexpr int chebyshev_nodes = 1000000;       // the fit costs nodes x degree; 50x the degree already converges
}  // namespace limits

// The options of the batched inverse roots. kdash::Config holds one (Config::root) for the optimizer's roots; the
// comments give each field's configuration key where it differs from the field's name.
struct RootOptions {
  RootMethod method = RootMethod::evd;  // key "solver"
  double p = 4;        // the root: A^(-1/p); EVD takes any p > 0, CN integer p >= 1, NDB/Chebyshev 2 or 4
  double eps = 1e-10;  // ridge, key "eps_root"
  EigenFixup fixup = EigenFixup::shampoo;
  int max_iterations = 10;  // key "newton_steps"
  double tolerance = 1e-6;  // max|M - I| per block
  Scaling scaling = Scaling::power_iteration;
  int power_iteration_steps = 10;    // key "pi_steps"
  double scale_margin = 2.0;         // s = scale_margin * lambda_est, key "pi_const"
  int power_iteration_vectors = 16;  // start vectors of the multi-vector power iteration, key "pim_vectors"
  int chebyshev_degree = 20;         // key "cheb_degree"
  int chebyshev_nodes = 10000;       // fit nodes, key "cheb_nodes"
  Precision precision = Precision::fp32;
  std::uint64_t seed = 0;
  // Index of the stack's first block in the caller's numbering: the power iteration's random start vectors are keyed
  // by (seed, first_block + b), so a block solved alone (first_block = its index) gets the numbers it gets in a stack.
  std::uint64_t first_block = 0;
  // How often (in iterations) the host asks the device whether any block still iterates (CN, NDB). The per-block
  // masks live on the device and are exact whatever this is; it only bounds the wasted iterations once every block
  // has converged. 0: the backend default (1 on host backends, where the check is free; 4 on GPUs, one small
  // device-to-host copy per 4 iterations).
  int check_every = 0;
  backends::GemmPath gemm_path = backends::GemmPath::automatic;
  // How a GPU's vendor path forms the products known to be symmetric (statistics, EVD's S^T S, the Newton iterates'
  // squares and products): one GEMM, or three for the lower block triangle (backends/gemm_path.hpp). Hosts ignore it.
  backends::DeviceSymmetricForm device_symmetric = backends::DeviceSymmetricForm::automatic;
  // EVD and Chebyshev: also measure residual = max|X^p A_reg - I| of every block (p GEMMs; integer p <= 16 only), the
  // measure CN and NDB report anyway. Off by default: it costs about as much as EVD's own GEMM p times over.
  bool measure_residual = false;
  // A not_converged CN/NDB iterate is usable when its residual is below this (see root_is_usable). Finite, >= 0.
  double usable_residual = 1.0;
};

// The GEMM input rounding of a precision (fp64 runs natively in double; fp32 natively in float).
inline backends::InputPrecision gemm_input(Precision p) {
  return p == Precision::fp16   ? backends::InputPrecision::fp16
         : p == Precision::bf16 ? backends::InputPrecision::bf16
         : p == Precision::tf32 ? backends::InputPrecision::tf32
                                : backends::InputPrecision::native;
}

// Unit roundoff of the GEMM inputs of a precision: 2^-11 for tf32 and fp16 (10 mantissa bits), 2^-8 for bf16,
// 2^-24 for fp32, 2^-53 for fp64.
double input_unit_roundoff(Precision p);

struct BlockRootResult {
  int iterations = 0;
  double residual = 0;    // max|M - I| (CN), or the method's own convergence measure; 0 when not measured
  double lambda_max = 0;  // estimate of the largest eigenvalue of A (+ eps I): EVD exact, fro: ||A||_F, pi/pim: RQ
  double scale = 0;       // the scale s of the iterative solvers (0 for EVD)
  // Estimate of the condition number of the regularised block whose root was taken (EVD: exact ratio of its
  // fixed-up eigenvalues; CN, NDB, Chebyshev: lambda_max estimate times ||X||_2^p by power iteration on X).
  // +inf: singular or indefinite as far as the root can tell; 0: not estimated (no root was computed).
  double condition = 0;
  // condition * u > kResolvableCondition, u the working precision's unit roundoff (root_quality.hpp): the root's
  // smallest-eigenvalue component is not resolved in this precision, whatever the status says.
  bool ill_conditioned = false;
  RootStatus status = RootStatus::converged;
};

// A computed root is beyond what the working precision resolves when condition * u exceeds this: one rounding of
// the largest eigenvalue (u lambda_max) is then more than 1% of the smallest, so a backward-stable method may move
// the smallest eigenvalue, and the root's component there, by more than 1% (relative error of the root ~ u kappa / p).
inline constexpr double kResolvableCondition = 1e-2;

// Whether a result's X(b) holds a root a caller may use: converged, or a not_converged iterate of an iterative
// solver (EVD's not_converged writes nothing) whose residual is below options.usable_residual. X = 0 has residual
// max|0 - I| = 1, so an iterate at or above 1 carries no more information about the root than zero does.
bool root_is_usable(const BlockRootResult& r, RootMethod method, const RootOptions& options);

// The one validation of root options (Config::validate and inverse_root both call it): every value in range and
// below its limit; std::invalid_argument naming the option by its configuration key. `p` is not checked here (the
// optimizer sets it per factor; inverse_root checks it against the method).
void validate_root_options(const RootOptions& options);

std::string to_string(RootMethod m);
std::string to_string(Scaling s);
std::string to_string(Precision p);
std::string to_string(EigenFixup f);
std::string to_string(RootStatus s);
// Parse the names above; an unknown name throws std::invalid_argument listing the accepted ones.
RootMethod parse_root_method(const std::string& name);
Scaling parse_scaling(const std::string& name);
Precision parse_precision(const std::string& name);
EigenFixup parse_eigen_fixup(const std::string& name);

}  // namespace kdash
