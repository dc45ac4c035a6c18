#pragma once
// app/bootstrap.h: first-start initialisation of a data directory.

#include <string>

#include "core/services.h"

namespace dss::app {

/// On a fresh store: creates the "administrators" group, the "admin" user and a global
/// admin API key whose secret is written once to admin-key (mode 0600). Returns the secret
/// when it was created now, "" when the store was already initialised. Throws on I/O errors.
std::string BootstrapIfNeeded(core::Services& services);

}  // namespace dss::app
