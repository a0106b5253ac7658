// Defect: a shared object that exports no kdf_transport_info (not a plugin at all).
#include <boost/dll/alias.hpp>
namespace {
int unrelated() { return 42; }
}  // namespace
BOOST_DLL_ALIAS(unrelated, some_other_symbol)
