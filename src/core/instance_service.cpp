#include "core/instance_service.h"

#include <algorithm>
#include <fstream>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/strings.h"

namespace dss::core {

namespace {
constexpr const char* kInstanceId = "instance";

// "x.log" or a rotated "x.log.3"; nothing else is served.
bool IsLogName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || name.find('\0') != std::string::npos)
    return false;
  if (EndsWith(name, ".log")) return true;
  auto pos = name.rfind(".log.");
  if (pos == std::string::npos) return false;
  std::string suffix = name.substr(pos + 5);
  return !suffix.empty() &&
         std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

InstanceService::InstanceService(storage::MetadataStore& store, storage::DataDir data_dir,
                                 const SettingsService& settings, std::string server_version)
    : store_(store),
      data_dir_(std::move(data_dir)),
      settings_(settings),
      server_version_(std::move(server_version)) {}

void InstanceService::EnsureIdentity() {
  if (store_.Get(kKindSettings, "", kInstanceId)) return;
  store_.Transact([&](storage::Txn& txn) {
    if (txn.Get(kKindSettings, "", kInstanceId)) return;
    txn.Put(kKindSettings, "", kInstanceId,
            Json{{"nodeId", ToLower(RandomToken(12))}, {"installedOn", NowMs()}});
  });
}

Json InstanceService::Info() const {
  auto doc = store_.Get(kKindSettings, "", kInstanceId);
  Json out = Json::object();
  out["nodeId"] = doc ? doc->data->value("nodeId", "") : "";
  out["nodeName"] = settings_.NodeName();
  out["nodeType"] = "DESIGN";
  out["dssVersion"] = server_version_;
  out["server"] = "dssd";
  out["installedOn"] = doc ? doc->data->value("installedOn", static_cast<int64_t>(0)) : 0;
  return out;
}

std::vector<std::string> InstanceService::ListLogs() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir_.RunDir(), ec)) {
    if (!e.is_regular_file(ec)) continue;
    std::string n = e.path().filename().string();
    if (IsLogName(n)) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string InstanceService::ReadLog(const std::string& name, size_t max_bytes) const {
  if (!IsLogName(name) || name.find("..") != std::string::npos)
    throw ApiError(ErrorCode::kInvalidPath,
                   "Invalid log name '" + name + "': expected a file name ending in .log");
  auto path = data_dir_.RunDir() / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec)))
    throw ApiError(ErrorCode::kLogNotFound, "Log file '" + name + "' does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ApiError(ErrorCode::kLogNotFound, "Log file '" + name + "' does not exist");
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (start > 0)
    text = "[dssd: first " + std::to_string(start) + " bytes omitted]\n" +
           text.substr(std::min(text.size(), text.find('\n') + 1));
  return text;
}

}  // namespace dss::core
