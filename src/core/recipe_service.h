#pragma once
// core/recipe_service.h: recipes — creation (with the output datasets the client asks for),
// settings {recipe, payload}, validation by compilation, status, metadata, rename, deletion,
// and output schema updates (endpoints.md §3.5, semantics.md §6).
//
// Documents: "recipe"/PROJECT/NAME = the DSS recipe JSON (unknown fields kept as sent);
// "recipe_payload"/PROJECT/NAME = {"payload": "<text>"}.

#include <functional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "engine/recipes/recipe_compiler.h"
#include "storage/metadata_store.h"

namespace dss::core {

inline constexpr const char* kKindRecipePayload = "recipe_payload";

class DatasetService;
class ProjectService;

/// Thread-safe: each method is one store read or one transaction (plus, for creation, the
/// dataset service's own transactions for new outputs).
class RecipeService {
 public:
  RecipeService(storage::MetadataStore& store, DatasetService& datasets, ProjectService& projects);

  /// Every recipe of the project (full definitions, no payload), ordered by name.
  /// Throws kProjectNotFound.
  std::vector<Json> List(const std::string& project) const;

  /// POST /recipes/ {recipePrototype, creationSettings}: validates the type, resolves the
  /// inputs (including creationSettings.virtualInputs), creates the requested managed output
  /// datasets, seeds the default payload, checks the Flow stays acyclic. Returns {name}.
  /// Throws kBadRequest (bad body), kDatasetNotFound (unknown input or output), kConflict
  /// (name taken), kRecipeCycle.
  Json Create(const auth::Principal& who, const std::string& project, const Json& body);

  /// {recipe, payload}. Throws kRecipeNotFound.
  Json Get(const std::string& project, const std::string& name) const;
  /// Replaces definition and payload; visual recipes are compiled against their input
  /// schemas first and refused (kInvalidRecipe naming the step) if they do not compile.
  /// Returns {"warnings": [...]}.
  Json Save(const auth::Principal& who, const std::string& project, const std::string& name,
            const Json& body);
  void Delete(const auth::Principal& who, const std::string& project, const std::string& name);
  /// Throws kRecipeNotFound, kConflict (new name taken), kInvalidName.
  void Rename(const auth::Principal& who, const std::string& project, const std::string& old_name,
              const std::string& new_name);

  Json GetMetadata(const std::string& project, const std::string& name) const;
  Json SetMetadata(const auth::Principal& who, const std::string& project, const std::string& name,
                   const Json& meta);

  /// {selectedEngine, engines, allMessagesForFrontend{maxSeverity, messages}}.
  Json Status(const std::string& project, const std::string& name) const;
  /// {totalIncompatibilities, computables: [{type, id, datasetName, newSchema, ...}]}.
  Json SchemaUpdate(const std::string& project, const std::string& name) const;
  /// Applies {computableType, computableId, newSchema} to an output dataset of the recipe.
  Json UpdateOutputSchema(const auth::Principal& who, const std::string& project,
                          const std::string& name, const Json& body);

  /// Everything the compiler needs for a stored visual recipe, with each input read from
  /// `table_of(ref)` (a table reference or SELECT chosen by the caller). Throws
  /// kRecipeNotFound, kDatasetNotFound for an input without definition. For the jobs engine.
  engine::CompileRequest CompileRequestFor(
      const std::string& project, const std::string& name,
      const std::function<std::string(const std::string& ref)>& table_of) const;

  /// Throws ApiError(kInvalidName) unless `name` is 1..200 of [A-Za-z0-9_-].
  static void ValidateName(const std::string& name);

 private:
  /// Compiles `recipe` + `payload` against the stored input schemas (with `expected_depth`
  /// >= 0, the schemas the inputs will have once built: see ExpectedColumns, called at that
  /// depth); returns the outputs, or throws. `for_validation` substitutes data-dependent parts
  /// (pivot values).
  std::vector<engine::CompiledOutput> CompileStored(storage::Txn& txn, const std::string& project,
                                                    const Json& recipe, const std::string& payload,
                                                    bool for_validation, bool* schemas_known,
                                                    int expected_depth = -1) const;
  /// The columns dataset `ref` will have once built: what the visual recipe producing it
  /// computes from its own inputs' expected columns (recursively, `depth` bounds it), else
  /// its stored schema. Stored schemas lag behind recipe edits until a build or schema-update,
  /// and a downstream recipe must be checked against what it will actually read.
  Json ExpectedColumns(storage::Txn& txn, const std::string& project, const std::string& ref,
                       int depth) const;

  storage::MetadataStore& store_;
  DatasetService& datasets_;
  ProjectService& projects_;
};

}  // namespace dss::core
