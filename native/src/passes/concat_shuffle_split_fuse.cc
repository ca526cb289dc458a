// concat(two tensors of H channels each, along channels) → shuffle_channel(group 2) [→ split along
// channels] becomes one fused_concat_shuffle_split op (kernels/concat_shuffle_split.cc): how
// ShuffleNetV2 ends one unit and starts the next. The op writes each output once, straight from
// the two inputs, where the three ops copied everything three times. Runs after
// shuffle_channel_detect_pass, which makes the shuffle_channel. In a training program the
// chain's gradient (split's concat of its outputs' gradients → shuffle_channel_grad →
// concat_grad) becomes one fused_concat_shuffle_split_grad in the same step.
#include <algorithm>

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


// The one live op writing var, or -1 when none or several do.
int WriterOf(const Graph& g, const std::string& var) {
  if (g.Writers(var) != 1) return -1;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i)) continue;
    for (const auto& [slot, args] : g.view(i).AllOutputs())
      if (std::find(args.begin(), args.end(), var) != args.end()) return i;
  }
  return -1;
}

// The gradient chain of a concat (inputs xs) → shuffle → [split] chain: the concat_grad over
// xs, the shuffle_channel_grad feeding only it, and (with a split) split's gradient, a concat
// feeding only that; each -1 when absent. ok is false when a gradient op is there but the
// chain is not exactly this.
struct GradChain {
  int concat_grad = -1, shuffle_grad = -1, split_grad = -1;
  bool ok = true;
};

GradChain GradChainOf(const Graph& g, const std::vector<std::string>& xs, bool with_split) {
  GradChain c;
  for (int i = 0; i < g.num_ops() && c.concat_grad < 0; ++i)
    if (!g.removed(i) && g.view(i).type() == "concat_grad" && g.view(i).Inputs("X") == xs)
      c.concat_grad = i;
  if (c.concat_grad < 0) return c;
  c.ok = false;
  const std::string dcat = g.view(c.concat_grad).Input("Out@GRAD");
  c.shuffle_grad = WriterOf(g, dcat);
  if (c.shuffle_grad < 0 || g.view(c.shuffle_grad).type() != "shuffle_channel_grad" ||
      g.view(c.shuffle_grad).GetInt("group", 1) != 2 || g.SoleReader(dcat) != c.concat_grad)
    return c;
  const std::string dshuf = g.view(c.shuffle_grad).Input("Out@GRAD");
  if (g.Writers(dshuf) != 1 || g.SoleReader(dshuf) != c.shuffle_grad) return c;
  if (with_split) {
    c.split_grad = WriterOf(g, dshuf);
    if (c.split_grad < 0 || g.view(c.split_grad).type() != "concat" ||
        !AlongChannels(g.view(c.split_grad)))
      return c;
    const OpView split_grad = g.view(c.split_grad);  // owns the slot lists read below
    for (const std::string& d : split_grad.Inputs("X"))
      if (g.Writers(d) != 1) return c;
  }
  c.ok = true;
  return c;
}

// The fused op (or its gradient) reading ins in in_slot, writing outs in out_slot.
proto::OpDesc FusedOp(const std::string& type, const std::string& in_slot,
                      const std::vector<std::string>& ins, const std::string& out_slot,
                      const std::vector<std::string>& outs, const Dims& sections) {
  proto::OpDesc op;
  op.set_type(type);
  SetInputs(&op, in_slot, ins);
  SetOutputs(&op, out_slot, outs);
  SetAttr(&op, "sections", std::vector<int>(sections.begin(), sections.end()));
  return op;
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
    // No gradient (inference), or the chain's whole gradient.
    const GradChain grad = GradChainOf(g, xs, last == k);
    if (!grad.ok) continue;
    if (grad.concat_grad >= 0) {
      const std::vector<std::string> douts =
          grad.split_grad >= 0 ? g.view(grad.split_grad).Inputs("X")
                               : std::vector<std::string>{
                                     g.view(grad.shuffle_grad).Input("Out@GRAD")};
      proto::OpDesc op = FusedOp("fused_concat_shuffle_split_grad", "Out@GRAD", douts, "X@GRAD",
                                 g.view(grad.concat_grad).Outputs("X@GRAD"), sections);
      *g.mutable_op(grad.concat_grad) = op;
      g.RemoveOp(grad.shuffle_grad);
      if (grad.split_grad >= 0) g.RemoveOp(grad.split_grad);
    }
    proto::OpDesc op = FusedOp("fused_concat_shuffle_split", "X", xs, "Out", outs, sections);
    *g.mutable_op(last) = op;
    g.RemoveOp(i);
    if (last != j) g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
