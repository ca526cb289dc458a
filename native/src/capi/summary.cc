#include "capi/summary.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pd::capi {

namespace {
const char* OnOff(bool b) { return b ? "true" : "false"; }

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}
}  // namespace

std::string Summary(const PD_Config& c) {
  const ModelSource& m = c.options.model;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"library", "gohub native 2.6.0 (CPU)"},
  };
  if (m.from_memory) {
    rows.emplace_back("model_from_memory", "true");
    rows.emplace_back("program_buffer_size", std::to_string(m.prog_buffer.size()));
    rows.emplace_back("params_buffer_size", std::to_string(m.params_buffer.size()));
  } else {
    if (!m.model_dir.empty()) rows.emplace_back("model_dir", m.model_dir);
    if (!m.prog_file.empty()) rows.emplace_back("model_file", m.prog_file);
    if (!m.params_file.empty()) rows.emplace_back("params_file", m.params_file);
    if (m.empty()) rows.emplace_back("model", "(not set)");
  }
  rows.emplace_back("use_gpu", OnOff(c.options.use_gpu));
  if (c.options.use_gpu) {
    rows.emplace_back("gpu_device_id", std::to_string(c.options.gpu_device_id));
    rows.emplace_back("memory_pool_init_size_mb", std::to_string(c.options.gpu_memory_pool_mb));
    rows.emplace_back("gpu_tf32", OnOff(c.options.allow_tf32));
    rows.emplace_back("gpu_graph", OnOff(c.options.gpu_graph));
  }
  rows.emplace_back("cpu_math_thread", std::to_string(c.options.num_threads));
  rows.emplace_back("ir_optim", OnOff(c.options.ir_optim));
  rows.emplace_back("memory_optim", OnOff(c.options.memory_optim));
  if (!c.passes.empty()) rows.emplace_back("passes", Join(c.passes));
  if (!c.opt_cache_dir.empty()) rows.emplace_back("optim_cache_dir", c.opt_cache_dir);
  rows.emplace_back("enable_mkldnn", "false");
  rows.emplace_back("mkldnn_bfloat16", OnOff(c.options.bf16));
  rows.emplace_back("tensorrt", "false");

  size_t w1 = std::string("Option").size(), w2 = std::string("Value").size();
  for (const auto& r : rows) {
    w1 = std::max(w1, r.first.size());
    w2 = std::max(w2, r.second.size());
  }
  auto rule = "+" + std::string(w1 + 2, '-') + "+" + std::string(w2 + 2, '-') + "+\n";
  auto line = [&](const std::string& a, const std::string& b) {
    return "| " + a + std::string(w1 - a.size(), ' ') + " | " + b +
           std::string(w2 - b.size(), ' ') + " |\n";
  };
  std::string out = rule + line("Option", "Value") + rule;
  for (const auto& r : rows) out += line(r.first, r.second);
  return out + rule;
}

}  // namespace pd::capi
