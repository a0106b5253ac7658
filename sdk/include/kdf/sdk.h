// kdf/sdk.h - everything a transport plugin needs, in one include.
#pragma once

#include "kdf/call_helpers.h"
#include "kdf/call_options.h"
#include "kdf/guard.h"
#include "kdf/names.h"
#include "kdf/options.h"
#include "kdf/plugin_abi.h"
#include "kdf/raw_dump_header.h"
#include "kdf/reserve.h"
#include "kdf/sink_base.h"
#include "kdf/size_text.h"
#include "kdf/status.h"
#include "kdf/target_options.h"
#include "kdf/transport.h"
#include "kdf/unique_fd.h"
