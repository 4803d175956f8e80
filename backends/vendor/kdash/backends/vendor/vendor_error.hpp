// The exceptions every vendor adapter throws: VendorError when a vendor library reports a failure, and
// std::invalid_argument naming the argument when a call is refused before reaching the library.
#pragma once

#include <stdexcept>
#include <string>

namespace kdash::backends::vendor {

// A vendor library reported a failure. what() reads "<call> failed: <STATUS_NAME> (<description>)"; status() is the
// library's raw status code, so failure-injection tests can tell e.g. an allocation failure from a bad value.
class VendorError : public std::runtime_error {
 public:
  VendorError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// Throws VendorError("<call> failed: <status_name> (<description>)", status); without the parenthesis when
// `description` is empty. The adapters' check_* helpers call it with their library's names for a failed status.
[[noreturn]] void throw_vendor_error(const char* call, const std::string& status_name, const std::string& description,
                                     int status);

namespace detail {

// Throws std::invalid_argument("<function>: invalid argument '<argument>': <why>"). The adapters validate every
// argument on the host before the first vendor call, so a bad call fails the same way with or without a GPU.
[[noreturn]] void throw_invalid_argument(const char* function, const char* argument, const std::string& why);

// Throws std::logic_error when `current` is not `created_on`, the device `owner` (a library handle, e.g. "a cuBLAS
// handle") was created on: cuBLAS, cuSOLVER and rocBLAS handles belong to the device current at their creation.
void require_device(const char* owner, int created_on, int current);

}  // namespace detail
}  // namespace kdash::backends::vendor
