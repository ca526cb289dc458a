// concat(two tensors of H channels each, along channels) → shuffle_channel(group 2) [→ split along
// channels] becomes one fused_concat_shuffle_split op (kernels/concat_shuffle_split.cc): how
// ShuffleNetV2 ends one unit and starts the next. The op writes each output once, straight from
// the two inputs, where the three ops copied everything three times. Runs after
// shuffle_channel_detect_pass, which makes the shuffle_channel.
#include "passes/fusions.h"

namespace pd {
namespace {

// The channel axis of a 4-D op's axis attribute is 1 (or -3); anything from a tensor is not known.
bool AlongChannels(const OpView& op) {
  if (!op.Inputs("AxisTensor").empty()) return false;
  const int64_t axis = op.GetInt("axis", 0);
  return axis == 1 || axis == -3;
}

// The one op reading op i's output in slot, which only op i writes; -1 when none or several.
int SoleNext(const Graph& g, int i, const char* slot) {
  const std::string out = g.view(i).Output(slot);
  if (out.empty() || g.Writers(out) != 1) return -1;
  return g.SoleReader(out);
}

// A split's channel counts for c channels along its axis; empty when they are not all known.
Dims SplitSections(const OpView& split, int64_t c) {
  if (!split.Inputs("SectionsTensorList").empty()) return {};
  const int64_t num = split.GetInt("num", 0);
  const size_t outs = split.Outputs("Out").size();
  if (num > 0) return c % num == 0 && outs == static_cast<size_t>(num) ? Dims(num, c / num) : Dims{};
  Dims sections = split.GetInts("sections", {});
  if (sections.size() != outs) return {};
  int64_t known = 0, unknown = -1;
  for (size_t k = 0; k < sections.size(); ++k) {
    if (sections[k] >= 0) {
      known += sections[k];
    } else if (unknown < 0) {
      unknown = static_cast<int64_t>(k);
    } else {
      return {};
    }
  }
  if (unknown >= 0) sections[static_cast<size_t>(unknown)] = c - known;
  return known <= c && (unknown >= 0 || known == c) ? sections : Dims{};
}

}  // namespace

int FuseConcatShuffleSplit(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i) || g.view(i).type() != "concat") continue;
    const OpView concat = g.view(i);
    const auto xs = concat.Inputs("X");
    // The inputs are read where the last op stood: nothing may write them in between.
    if (xs.size() != 2 || !AlongChannels(concat) || g.Writers(xs[0]) > 1 || g.Writers(xs[1]) > 1)
      continue;
    const Dims a = g.DeclaredDims(xs[0]), b = g.DeclaredDims(xs[1]);
    if (a.size() != 4 || a[1] <= 0 || b.size() != 4 || b[1] != a[1]) continue;
    const int j = SoleNext(g, i, "Out");
    if (j < 0 || g.view(j).type() != "shuffle_channel" || g.view(j).GetInt("group", 1) != 2)
      continue;
    const int64_t c = 2 * a[1];
    // With a split after it, the split's outputs; else the shuffle's output whole.
    int last = j;
    Dims sections{c};
    const int k = SoleNext(g, j, "Out");
    if (k >= 0 && g.view(k).type() == "split" && AlongChannels(g.view(k))) {
      sections = SplitSections(g.view(k), c);
      if (sections.empty()) continue;
      last = k;
    }
    const std::vector<std::string> outs =
        last == k ? g.view(k).Outputs("Out") : std::vector<std::string>{g.view(j).Output("Out")};
    proto::OpDesc op;
    op.set_type("fused_concat_shuffle_split");
    auto* in = op.add_inputs();
    in->set_parameter("X");
    for (const std::string& x : xs) in->add_arguments(x);
    auto* out = op.add_outputs();
    out->set_parameter("Out");
    for (const std::string& o : outs) out->add_arguments(o);
    auto* attr = op.add_attrs();
    attr->set_name("sections");
    attr->set_type(proto::INTS);
    for (int64_t s : sections) attr->add_ints(static_cast<int>(s));
    *g.mutable_op(last) = op;
    g.RemoveOp(i);
    if (last != j) g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
