#include <kdash/backends/vendor/vendor_error.hpp>

#include <stdexcept>
#include <string>

namespace kdash::backends::vendor {

void throw_vendor_error(const char* call, const std::string& status_name, const std::string& description, int status) {
  std::string what = std::string(call) + " failed: " + status_name;
  if (!description.empty()) what += " (" + description + ")";
  throw VendorError(what, status);
}

namespace detail {

void throw_invalid_argument(const char* function, const char* argument, const std::string& why) {
  throw std::invalid_argument(std::string(function) + ": invalid argument '" + argument + "': " + why);
}

void require_device(const char* owner, int created_on, int current) {
  if (current == created_on) return;
  throw std::logic_error(std::string(owner) + " created on device " + std::to_string(created_on) +
                         " used while device " + std::to_string(current) + " is current");
}

}  // namespace detail
}  // namespace kdash::backends::vendor
