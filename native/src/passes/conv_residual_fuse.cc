// conv2d [with Bias] → elementwise_add(the conv's output, R) becomes conv2d with ResidualData R,
// which the conv kernel turns into oneDNN's sum post-op: the residual is added while the output
// is in cache instead of in a separate pass over both tensors, and the relu that follows a
// ResNet block then fuses too (conv_act_fuse.cc runs after). Paddle calls this
// conv_elementwise_add_mkldnn_fuse_pass (and also sets fuse_residual_connection; our kernel
// goes by the slot).
//
// MarkConvResidualInPlace runs after the activation fusion, when the residual's producer is
// final: in a ResNet block it is the previous block's conv, into which that block's add and
// relu have fused.
//
// The fused op takes the add's place in the program, not the conv's: R may be computed between
// them (ResNet's projection shortcut comes after the main branch), while the conv's own inputs
// are checked to be unchanged in between.
#include <string>

#include "framework/op_registry.h"
#include "passes/fusions.h"

namespace pd {
namespace {

// True when an op in (from, to) writes var.
bool WrittenBetween(const Graph& g, const std::string& var, int from, int to) {
  for (int k = from + 1; k < to; ++k) {
    if (g.removed(k)) continue;
    for (const auto& [slot, args] : g.view(k).AllOutputs())
      for (const auto& a : args)
        if (a == var) return true;
  }
  return false;
}

// The live op of block 0 that writes var, when exactly one does; -1 otherwise.
int SoleWriter(const Graph& g, const std::string& var) {
  if (g.Writers(var) != 1) return -1;
  for (int k = 0; k < g.num_ops(); ++k) {
    if (g.removed(k)) continue;
    for (const auto& [slot, args] : g.view(k).AllOutputs())
      for (const auto& a : args)
        if (a == var) return k;
  }
  return -1;
}

// Whether operand `conv_out` of add j can be produced by the conv that writes it, with `other`
// added as the residual. Returns that conv's index or -1.
int FusableConv(const Graph& g, int j, const std::string& conv_out, const std::string& other) {
  const int i = SoleWriter(g, conv_out);
  if (i < 0 || i >= j || !IsPlainConv(g, i) || g.SoleReader(conv_out) != j) return -1;
  const OpView conv = g.view(i);
  if (conv.Output("Output") != conv_out || other == conv_out) return -1;
  for (const char* slot : {"Input", "Filter", "Bias"}) {
    const std::string in = conv.Input(slot);
    if (!in.empty() && (in == other || WrittenBetween(g, in, i, j))) return -1;
  }
  return i;
}

bool IsConv(const OpView& op) { return op.type() == "conv2d" || op.type() == "depthwise_conv2d"; }

bool Reads(const OpView& op, const std::string& var) {
  for (const auto& [slot, args] : op.AllInputs())
    for (const auto& a : args)
      if (a == var) return true;
  return false;
}

// Readers of var among the live ops of block 0 (Graph::Readers also counts other blocks).
int ReadersInBlock0(const Graph& g, const std::string& var) {
  int n = 0;
  for (int k = 0; k < g.num_ops(); ++k)
    if (!g.removed(k) && Reads(g.view(k), var)) ++n;
  return n;
}

}  // namespace

int FuseConvResidual(Graph& g) {
  int fused = 0;
  for (int j = 0; j < g.num_ops(); ++j) {
    if (g.removed(j)) continue;
    const OpView add = g.view(j);
    if (add.type() != "elementwise_add") continue;
    const std::string x = add.Input("X"), y = add.Input("Y"), out = add.Output("Out");
    // Same shapes only: the sum post-op adds element by element, with no broadcasting.
    if (x.empty() || y.empty() || x == y || out.empty() || g.Writers(out) != 1 ||
        add.Outputs("Out").size() != 1 || !g.SameDeclaredShape(x, y) ||
        !OtherOutputsUnused(g, j, "Out"))
      continue;
    // Prefer the main branch (Y in Paddle's ResNets); either operand's conv will do.
    std::string conv_out = y, residual = x;
    int i = FusableConv(g, j, y, x);
    if (i < 0) {
      conv_out = x, residual = y;
      i = FusableConv(g, j, x, y);
    }
    if (i < 0 || g.Weight(residual) != nullptr) continue;
    proto::OpDesc fused_op = *g.mutable_op(i);
    SetInput(&fused_op, "ResidualData", residual);
    SetOutput(&fused_op, "Output", out);
    *g.mutable_op(j) = fused_op;
    g.RemoveOp(i);
    ++fused;
  }
  return fused;
}

// Whether op's kernel registered that it may adopt its ResidualData buffer as its Output.
bool MayAdoptResidual(const OpView& op) {
  const OpDef* def = OpRegistry::Global().Find(op.type());
  return def != nullptr && def->in_place_input == "ResidualData" &&
         def->in_place_output == "Output";
}

int MarkConvResidualInPlace(Graph& g) {
  int marked = 0;
  for (int j = 0; j < g.num_ops(); ++j) {
    if (g.removed(j) || !MayAdoptResidual(g.view(j))) continue;
    const std::string residual = g.view(j).Input("ResidualData");
    if (residual.empty()) continue;
    // The residual's buffer must be a conv's own (not shared with a feed, a weight, or a
    // reshape's view of it): a conv writes it, only convs read it, none of them after this one
    // nor this one's Input, and no sub-block reads it.
    const int writer = SoleWriter(g, residual);
    bool in_place = writer >= 0 && writer < j && IsConv(g.view(writer)) &&
                    g.view(j).Input("Input") != residual &&
                    g.Weight(residual) == nullptr &&
                    g.Readers(residual) == ReadersInBlock0(g, residual);
    for (int k = 0; in_place && k < g.num_ops(); ++k) {
      if (k == j || g.removed(k) || !Reads(g.view(k), residual)) continue;
      in_place = IsConv(g.view(k)) && k < j;
    }
    SetAttr(g.mutable_op(j), "residual_in_place", in_place ? 1 : 0);
    marked += in_place;
  }
  return marked;
}

}  // namespace pd
