// The NCCL instance of the communicator written once for NCCL and RCCL.
#include <kdash/backends/cuda/nccl_comm.hpp>
#include <kdash/backends/vendor/impl/ccl_communicator.hpp>

template class kdash::backends::vendor::CclCommunicator<kdash::backends::cuda::Nccl>;
