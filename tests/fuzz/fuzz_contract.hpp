// The contract every fuzz entry point (tests/fuzz/fuzz_*.cpp) enforces on the reader it drives: an input is either
// accepted (and then satisfies the target's properties) or rejected with the documented exception type whose message
// names the input. Anything else (another exception type, a broken property) is a contract violation: it aborts, so
// libFuzzer records the input as a crash and the corpus replay test fails on it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

namespace kdash::fuzz {

enum class Outcome { none, accepted, rejected };

// What the last call of the entry point decided; the corpus replay checks it against the file's name.
inline Outcome last_outcome = Outcome::none;

inline void accept() { last_outcome = Outcome::accepted; }
inline void reject() { last_outcome = Outcome::rejected; }

[[noreturn]] inline void violation(const std::string& what) {
  std::fprintf(stderr, "kdash fuzz: contract violation: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A rejection must name the input (the file, or the configuration key at fault).
inline void require_mentions(const std::exception& e, const std::string& name) {
  if (std::string(e.what()).find(name) == std::string::npos)
    violation("the error message does not name '" + name + "': " + e.what());
}

[[noreturn]] inline void unexpected_exception(const char* call, const std::exception& e) {
  violation(std::string(call) + " threw " + typeid(e).name() + ": " + e.what());
}

// Calls read(): true if it returns, false if it throws a `Rejection` (whose message must then name `name`, unless
// that is empty); any other exception is a contract violation.
template <class Rejection, class Read>
bool accepted(const char* call, Read&& read, const std::string& name = "") {
  try {
    read();
    return true;
  } catch (const Rejection& e) {
    if (!name.empty()) require_mentions(e, name);
    return false;
  } catch (const std::exception& e) {
    unexpected_exception(call, e);
  } catch (...) {
    violation(std::string(call) + " threw an exception not derived from std::exception");
  }
}

// Calls check(), which must not throw.
template <class Check>
void must_succeed(const char* call, Check&& check) {
  try {
    check();
  } catch (const std::exception& e) {
    unexpected_exception(call, e);
  } catch (...) {
    violation(std::string(call) + " threw an exception not derived from std::exception");
  }
}

}  // namespace kdash::fuzz
