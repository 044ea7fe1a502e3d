// Preset lookup over the embedded preset files.
#include "core/model/presets.h"

#include "core/tensor/error.h"

namespace cnn {

std::string preset_json(const std::string& name) {
  std::string known;
  for (const PresetFile& f : preset_files()) {
    if (name == f.name) return f.json;
    known += (known.empty() ? "" : ", ") + std::string(f.name);
  }
  throw Error("unknown preset \"" + name + "\" (known presets: " + known + ")");
}

}  // namespace cnn
