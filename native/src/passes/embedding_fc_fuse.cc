// lookup_table(Ids, W) → fc(Input, FcW, Bias) becomes fused_embedding_fc(Ids, W, FcW, Bias):
// every output row of the fc depends on one id only, so the kernel computes a row once per
// distinct id instead of once per occurrence. Runs after fc_fuse_pass, which makes the fcs.
// One lookup may feed several fcs (LAC's two GRU directions each project the embedding);
// each becomes its own fused op, and the lookup goes once nothing else reads its output.
#include <vector>

#include "passes/fusions.h"

namespace pd {
namespace {

// The live ops of block 0 reading var.
std::vector<int> ReadersOf(const Graph& g, const std::string& var) {
  std::vector<int> readers;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i)) continue;
    for (const auto& slot : g.view(i).AllInputs()) {
      for (const std::string& name : slot.second) {
        if (name == var) {
          readers.push_back(i);
          break;
        }
      }
      if (!readers.empty() && readers.back() == i) break;
    }
  }
  return readers;
}

// Whether op j is an fc projecting each row of the lookup output emb (of rank `rank`, rows
// of width e) by constant weights, with no activation.
bool ProjectsRows(const Graph& g, const OpView& fc, const std::string& emb, int rank, int64_t e) {
  if (fc.type() != "fc" || fc.Input("Input") != emb || ReadsOutside(fc, "Input", emb)) return false;
  const Tensor* w = g.Weight(fc.Input("W"));
  if (w == nullptr || w->rank() != 2 || w->dim(0) != e) return false;
  const std::string bias = fc.Input("Bias");
  if (!bias.empty()) {
    const Tensor* b = g.Weight(bias);
    if (b == nullptr || b->numel() != w->dim(1)) return false;
  }
  return fc.GetString("activation_type", "").empty() &&
         fc.GetInt("in_num_col_dims", 1) == rank - 1 && !fc.GetBool("padding_weights", false);
}

}  // namespace

int FuseEmbeddingFc(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i)) continue;
    const OpView lookup = g.view(i);
    const bool v1 = lookup.type() == "lookup_table";
    if (!v1 && lookup.type() != "lookup_table_v2") continue;
    const Tensor* table = g.Weight(lookup.Input("W"));
    const std::string emb = lookup.Output("Out");
    const int rank = g.DeclaredRank(emb);
    if (table == nullptr || table->rank() != 2 || g.Writers(emb) != 1 || rank < 2) continue;
    for (int j : ReadersOf(g, emb)) {
      const OpView fc = g.view(j);
      if (!ProjectsRows(g, fc, emb, rank, table->dim(1))) continue;
      proto::OpDesc op;
      op.set_type("fused_embedding_fc");
      SetInput(&op, "Ids", lookup.Input("Ids"));
      SetInput(&op, "W", lookup.Input("W"));
      SetInput(&op, "FcW", fc.Input("W"));
      if (!fc.Input("Bias").empty()) SetInput(&op, "Bias", fc.Input("Bias"));
      SetOutput(&op, "Out", fc.Output("Out"));
      SetAttr(&op, "padding_idx", static_cast<int>(lookup.GetInt("padding_idx", -1)));
      SetAttr(&op, "ids_trailing_one", static_cast<int>(v1));
      *g.mutable_op(j) = op;
      ++fused;
    }
    if (ReadersOf(g, emb).empty() && g.Readers(emb, i) == 0) g.RemoveOp(i);
  }
  return fused;
}

}  // namespace pd
