# Writes a C++ file that holds every preset spec (presets/*.json) as a string, keyed by file name.
# Called from CMakeLists.txt with -DOUT=<file.cpp> -DFILES=<list of json files>.
set(body "// Generated from presets/*.json by tools/embed_presets.cmake. Do not edit.\n")
string(APPEND body "#include \"core/model/presets.h\"\n\nnamespace cnn {\n\n")
string(APPEND body "const std::vector<PresetFile>& preset_files() {\n  static const std::vector<PresetFile> files = {\n")
string(REPLACE "|" ";" FILES "${FILES}")
list(SORT FILES)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"cnnjson(${text})cnnjson\"},\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n\n}  // namespace cnn\n")
file(WRITE ${OUT} "${body}")
