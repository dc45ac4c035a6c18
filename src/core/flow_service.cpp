#include "core/flow_service.h"

#include <functional>
#include <map>
#include <set>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::core {

namespace {

constexpr const char* kDefaultZoneColor = "#2ab1ac";

void RequireProject(storage::Txn& txn, const std::string& project) {
  if (!txn.Get("project", project, "project"))
    throw ApiError(ErrorCode::kProjectNotFound, "Project does not exist: " + project);
}

std::vector<std::string> Refs(const Json& recipe, const char* side) {
  std::vector<std::string> out;
  Json roles = recipe.value(side, Json::object());
  if (!roles.is_object()) return out;
  for (auto& [role, r] : roles.items()) {
    if (!r.is_object()) continue;
    for (const auto& it : r.value("items", Json::array()))
      if (it.is_object() && it.contains("ref") && it["ref"].is_string())
        out.push_back(it["ref"].get<std::string>());
  }
  return out;
}

// Strips "PROJECT." when it names this project.
std::string LocalRef(const std::string& project, const std::string& ref) {
  if (StartsWith(ref, project + ".")) return ref.substr(project.size() + 1);
  return ref;
}

// The graph over one snapshot of the project's documents.
Json BuildGraph(storage::Txn& txn, const std::string& project) {
  RequireProject(txn, project);
  Json nodes = Json::object();
  auto node = [&](const std::string& id, const std::string& type, const std::string& ref) {
    if (!nodes.contains(id))
      nodes[id] = {{"type", type},
                   {"ref", ref},
                   {"predecessors", Json::array()},
                   {"successors", Json::array()}};
  };
  for (const auto& d : txn.List("dataset", project)) node(d.id, "COMPUTABLE_DATASET", d.id);
  for (const auto& d : txn.List("managed_folder", project)) node(d.id, "COMPUTABLE_FOLDER", d.id);
  auto link = [&](const std::string& from, const std::string& to) {
    auto& s = nodes[from]["successors"];
    if (std::find(s.begin(), s.end(), to) == s.end()) s.push_back(to);
    auto& p = nodes[to]["predecessors"];
    if (std::find(p.begin(), p.end(), from) == p.end()) p.push_back(from);
  };
  auto computable = [&](const std::string& raw) {
    std::string ref = LocalRef(project, raw);
    // A ref with a dot that is not a local object names another project's dataset.
    if (!nodes.contains(ref)) node(ref, "COMPUTABLE_DATASET", ref);
    return ref;
  };
  for (const auto& r : txn.List("recipe", project)) {
    node(r.id, "RUNNABLE_RECIPE", r.id);
    for (const auto& in : Refs(*r.data, "inputs")) link(computable(in), r.id);
    for (const auto& out : Refs(*r.data, "outputs")) link(r.id, computable(out));
  }
  return {{"nodes", nodes}};
}

std::string NormalType(const std::string& t) {
  static const std::set<std::string> kTypes = {
      "DATASET", "MANAGED_FOLDER",     "SAVED_MODEL",   "MODEL_EVALUATION_STORE",
      "RECIPE",  "STREAMING_ENDPOINT", "LABELING_TASK", "RETRIEVABLE_KNOWLEDGE"};
  if (!kTypes.count(t)) throw ApiError::BadRequest("Unknown objectType '" + t + "'");
  return t;
}

// The exact serialisation the client compares against: {"objectId", "objectType"} for this
// project, {"projectKey", "objectId", "objectType"} for another.
Json SmartRef(const std::string& project, const Json& ref) {
  if (!ref.is_object()) throw ApiError::BadRequest("A flow object reference must be an object");
  std::string id = RequireString(ref, "objectId");
  std::string type = NormalType(RequireString(ref, "objectType"));
  std::string pk = GetString(ref, "projectKey");
  Json out = Json::object();
  if (!pk.empty() && pk != project) out["projectKey"] = pk;
  out["objectId"] = id;
  out["objectType"] = type;
  return out;
}

const char* KindOf(const std::string& type) {
  if (type == "DATASET") return "dataset";
  if (type == "MANAGED_FOLDER") return "managed_folder";
  if (type == "RECIPE") return "recipe";
  return nullptr;
}

void RequireFlowObject(storage::Txn& txn, const std::string& project, const Json& ref) {
  std::string pk = ref.contains("projectKey") ? ref["projectKey"].get<std::string>() : project;
  const char* kind = KindOf(ref["objectType"]);
  if (!kind)
    throw ApiError::BadRequest("Objects of type " + ref["objectType"].get<std::string>() +
                               " are not supported in flow zones");
  if (!txn.Get(kind, pk, ref["objectId"].get<std::string>()))
    throw ApiError::NotFound(ref["objectType"].get<std::string>() + " does not exist: " + pk + "." +
                             ref["objectId"].get<std::string>());
}

bool SameRef(const Json& a, const Json& b) {
  return a.dump() == b.dump();
}

void RemoveRef(Json& arr, const Json& ref) {
  Json out = Json::array();
  for (const auto& x : arr)
    if (!SameRef(x, ref)) out.push_back(x);
  arr = out;
}

Json ZoneOrThrow(storage::Txn& txn, const std::string& project, const std::string& id) {
  auto doc = txn.Get(kKindFlowZone, project, id);
  if (!doc) throw ApiError(ErrorCode::kZoneNotFound, "Flow zone does not exist: " + id);
  return *doc->data;
}

}  // namespace

Json FlowService::Graph(const std::string& project) const {
  Json out;
  store_.Transact([&](storage::Txn& txn) { out = BuildGraph(txn, project); });
  return out;
}

void FlowService::CheckRecipeFits(storage::Txn& txn, const std::string& project,
                                  const std::string& name, const Json& recipe) {
  // recipe name -> (inputs, outputs), with the candidate in place of the stored one.
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> recipes;
  for (const auto& r : txn.List("recipe", project))
    if (r.id != name) recipes[r.id] = {Refs(*r.data, "inputs"), Refs(*r.data, "outputs")};
  recipes[name] = {Refs(recipe, "inputs"), Refs(recipe, "outputs")};
  std::map<std::string, std::string> producer;
  for (auto& [rname, io] : recipes)
    for (auto& o : io.second) {
      std::string out = LocalRef(project, o);
      auto [it, fresh] = producer.emplace(out, rname);
      if (!fresh && it->second != rname) {
        std::string other = it->second == name ? rname : it->second;
        throw ApiError::BadRequest("'" + out + "' is already the output of recipe '" + other + "'");
      }
    }
  // DFS over dataset -> recipe -> dataset edges from the candidate's outputs: reaching one
  // of its inputs closes a cycle.
  std::map<std::string, std::vector<std::string>> readers;  // dataset -> recipes reading it
  for (auto& [rname, io] : recipes)
    for (auto& i : io.first) readers[LocalRef(project, i)].push_back(rname);
  std::set<std::string> inputs;
  for (auto& i : recipes[name].first) inputs.insert(LocalRef(project, i));
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& ds) {
    if (inputs.count(ds))
      throw ApiError(ErrorCode::kRecipeCycle,
                     "Recipe '" + name + "' would create a cycle in the Flow through '" + ds + "'");
    if (!seen.insert(ds).second) return;
    for (auto& r : readers[ds])
      for (auto& o : recipes[r].second) visit(LocalRef(project, o));
  };
  for (auto& o : recipes[name].second) visit(LocalRef(project, o));
}

Json FlowService::ZoneView(storage::Txn& txn, const std::string& project,
                           const std::string& zone_id) const {
  RequireProject(txn, project);
  if (zone_id != kDefaultZoneId) return ZoneOrThrow(txn, project, zone_id);
  // The default zone holds every object no other zone holds.
  std::set<std::string> taken;
  Json shared = Json::array();
  for (const auto& z : txn.List(kKindFlowZone, project)) {
    if (z.id == kDefaultZoneId) {
      shared = z.data->value("shared", Json::array());
      continue;
    }
    for (const auto& it : z.data->value("items", Json::array())) taken.insert(it.dump());
  }
  Json items = Json::array();
  auto add = [&](const char* kind, const char* type) {
    for (const auto& d : txn.List(kind, project)) {
      Json ref = {{"objectId", d.id}, {"objectType", type}};
      if (!taken.count(ref.dump())) items.push_back(ref);
    }
  };
  add("dataset", "DATASET");
  add("managed_folder", "MANAGED_FOLDER");
  add("recipe", "RECIPE");
  return {{"id", kDefaultZoneId},
          {"name", "Default"},
          {"color", kDefaultZoneColor},
          {"items", items},
          {"shared", shared}};
}

Json FlowService::ListZones(const std::string& project) const {
  Json out = Json::array();
  store_.Transact([&](storage::Txn& txn) {
    out.push_back(ZoneView(txn, project, kDefaultZoneId));
    for (const auto& z : txn.List(kKindFlowZone, project))
      if (z.id != kDefaultZoneId) out.push_back(*z.data);
  });
  return out;
}

Json FlowService::CreateZone(const auth::Principal&, const std::string& project, const Json& body) {
  RequireObject(body, "zone");
  std::string name = RequireString(body, "name");
  std::string color = GetString(body, "color", kDefaultZoneColor);
  Json zone;
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    // Short random-looking ids as DSS ("a1b2c3d"), derived from a counter to stay unique.
    std::string id;
    for (int n = static_cast<int>(txn.List(kKindFlowZone, project).size()) + 1;; ++n) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "z%06x", static_cast<unsigned>(n * 2654435761u) & 0xffffff);
      id = buf;
      if (!txn.Get(kKindFlowZone, project, id)) break;
    }
    zone = {{"id", id},
            {"name", name},
            {"color", color},
            {"items", Json::array()},
            {"shared", Json::array()}};
    txn.Put(kKindFlowZone, project, id, zone);
  });
  return zone;
}

Json FlowService::GetZone(const std::string& project, const std::string& zone_id) const {
  Json out;
  store_.Transact([&](storage::Txn& txn) { out = ZoneView(txn, project, zone_id); });
  return out;
}

Json FlowService::SaveZone(const std::string& project, const std::string& zone_id,
                           const Json& body) {
  RequireObject(body, "zone");
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    Json zone = ZoneView(txn, project, zone_id);
    if (body.contains("name")) {
      std::string name = RequireString(body, "name");
      zone["name"] = name;
    }
    if (body.contains("color")) zone["color"] = GetString(body, "color", kDefaultZoneColor);
    if (body.contains("shared") && body["shared"].is_array()) {
      Json shared = Json::array();
      for (const auto& r : body["shared"]) {
        Json ref = SmartRef(project, r);
        RequireFlowObject(txn, project, ref);
        shared.push_back(ref);
      }
      zone["shared"] = shared;
    }
    if (zone_id != kDefaultZoneId && body.contains("items") && body["items"].is_array()) {
      Json items = Json::array();
      for (const auto& r : body["items"]) {
        Json ref = SmartRef(project, r);
        RequireFlowObject(txn, project, ref);
        items.push_back(ref);
      }
      zone["items"] = items;
    }
    if (zone_id == kDefaultZoneId) {
      // Only the name/color/shared of the default zone are stored; its items are derived.
      Json stored = {{"id", kDefaultZoneId},
                     {"name", zone["name"]},
                     {"color", zone["color"]},
                     {"items", Json::array()},
                     {"shared", zone["shared"]}};
      txn.Put(kKindFlowZone, project, kDefaultZoneId, stored);
    } else {
      txn.Put(kKindFlowZone, project, zone_id, zone);
    }
    out = ZoneView(txn, project, zone_id);
  });
  return out;
}

void FlowService::DeleteZone(const std::string& project, const std::string& zone_id) {
  if (zone_id == kDefaultZoneId) throw ApiError::BadRequest("The default zone cannot be deleted");
  store_.Transact([&](storage::Txn& txn) {
    RequireProject(txn, project);
    ZoneOrThrow(txn, project, zone_id);
    txn.Delete(kKindFlowZone, project, zone_id);
  });
}

Json FlowService::AddItems(const std::string& project, const std::string& zone_id,
                           const Json& refs) {
  if (!refs.is_array()) throw ApiError::BadRequest("Expected an array of flow object references");
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    Json zone = ZoneView(txn, project, zone_id);
    std::vector<Json> moving;
    for (const auto& r : refs) {
      Json ref = SmartRef(project, r);
      RequireFlowObject(txn, project, ref);
      moving.push_back(ref);
    }
    // An object lives in one zone: remove it from every other explicit zone.
    for (const auto& z : txn.List(kKindFlowZone, project)) {
      if (z.id == zone_id || z.id == kDefaultZoneId) continue;
      Json other = *z.data;
      size_t before = other["items"].size();
      for (const auto& m : moving) RemoveRef(other["items"], m);
      if (other["items"].size() != before) txn.Put(kKindFlowZone, project, z.id, other);
    }
    if (zone_id != kDefaultZoneId) {
      // An object already in the zone keeps its place (adding twice is a no-op).
      for (const auto& m : moving) {
        bool present = false;
        for (const auto& x : zone["items"]) present = present || SameRef(x, m);
        if (!present) zone["items"].push_back(m);
      }
      txn.Put(kKindFlowZone, project, zone_id, zone);
    }
    out = ZoneView(txn, project, zone_id);
  });
  return out;
}

Json FlowService::AddShared(const std::string& project, const std::string& zone_id, const Json& r) {
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    Json zone = ZoneView(txn, project, zone_id);
    Json ref = SmartRef(project, r);
    RequireFlowObject(txn, project, ref);
    RemoveRef(zone["shared"], ref);
    zone["shared"].push_back(ref);
    if (zone_id == kDefaultZoneId) zone["items"] = Json::array();
    txn.Put(kKindFlowZone, project, zone_id, zone);
    out = ZoneView(txn, project, zone_id);
  });
  return out;
}

Json FlowService::RemoveShared(const std::string& project, const std::string& zone_id,
                               const std::string& object_type, const std::string& object_id) {
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    Json zone = ZoneView(txn, project, zone_id);
    Json kept = Json::array();
    bool found = false;
    for (const auto& s : zone["shared"]) {
      if (s.value("objectType", "") == object_type && s.value("objectId", "") == object_id) {
        found = true;
        continue;
      }
      kept.push_back(s);
    }
    if (!found)
      throw ApiError::NotFound(object_type + " " + object_id + " is not shared to zone " + zone_id);
    zone["shared"] = kept;
    if (zone_id == kDefaultZoneId) zone["items"] = Json::array();
    txn.Put(kKindFlowZone, project, zone_id, zone);
    out = ZoneView(txn, project, zone_id);
  });
  return out;
}

Json FlowService::ZoneGraph(const std::string& project, const std::string& zone_id) const {
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    Json zone = ZoneView(txn, project, zone_id);
    Json g = BuildGraph(txn, project);
    std::set<std::string> keep;
    for (const char* k : {"items", "shared"})
      for (const auto& r : zone[k])
        if (!r.contains("projectKey")) keep.insert(r["objectId"].get<std::string>());
    Json nodes = Json::object();
    for (auto& [id, n] : g["nodes"].items()) {
      if (!keep.count(id)) continue;
      Json m = n;
      for (const char* k : {"predecessors", "successors"}) {
        Json f = Json::array();
        for (const auto& x : n[k])
          if (keep.count(x.get<std::string>())) f.push_back(x);
        m[k] = f;
      }
      nodes[id] = m;
    }
    out = {{"nodes", nodes}};
  });
  return out;
}

void FlowService::RenameObject(storage::Txn& txn, const std::string& project,
                               const std::string& type, const std::string& old_id,
                               const std::string& new_id) {
  for (const auto& z : txn.List(kKindFlowZone, project)) {
    Json zone = *z.data;
    bool changed = false;
    for (const char* k : {"items", "shared"})
      for (auto& r : zone[k])
        if (!r.contains("projectKey") && r.value("objectType", "") == type &&
            r.value("objectId", "") == old_id) {
          r["objectId"] = new_id;
          changed = true;
        }
    if (changed) txn.Put(kKindFlowZone, project, z.id, zone);
  }
}

void FlowService::ForgetObject(storage::Txn& txn, const std::string& project,
                               const std::string& type, const std::string& id) {
  Json ref = {{"objectId", id}, {"objectType", type}};
  for (const auto& z : txn.List(kKindFlowZone, project)) {
    Json zone = *z.data;
    size_t before = zone["items"].size() + zone["shared"].size();
    RemoveRef(zone["items"], ref);
    RemoveRef(zone["shared"], ref);
    if (zone["items"].size() + zone["shared"].size() != before)
      txn.Put(kKindFlowZone, project, z.id, zone);
  }
}

}  // namespace dss::core
