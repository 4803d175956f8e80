// The RCCL instance of the communicator written once for NCCL and RCCL.
#include <kdash/backends/hip/rccl_comm.hpp>
#include <kdash/backends/vendor/impl/ccl_communicator.hpp>

template class kdash::backends::vendor::CclCommunicator<kdash::backends::hip::Rccl>;
