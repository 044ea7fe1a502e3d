// The preset model specs (presets/*.json), embedded into the library at build time.
#pragma once

#include <string>
#include <vector>

namespace cnn {

struct PresetFile {
  const char* name;
  const char* json;
};

// Every preset, sorted by name (generated from presets/*.json).
const std::vector<PresetFile>& preset_files();
// The JSON of a preset; Error listing the known names when there is none.
std::string preset_json(const std::string& name);

}  // namespace cnn
