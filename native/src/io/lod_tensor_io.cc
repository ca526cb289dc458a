#include "io/lod_tensor_io.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "framework.pb.h"
#include "framework/error.h"
#include "io/byte_reader.h"

namespace pd {

namespace {

namespace proto = paddle::framework::proto;

// numel(dims) * elem, or a failure when it does not fit in 64 bits.
uint64_t ByteSize(const Dims& dims, size_t elem, const std::string& origin) {
  uint64_t n = elem;
  for (int64_t d : dims) {
    PD_CHECK(d >= 0, origin, ": negative dimension in tensor shape ", DimsToString(dims));
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
      Fail(origin, ": tensor shape ", DimsToString(dims), " is too large");
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

}  // namespace

void ReadLoDTensor(const char* data, size_t size, size_t* offset, Tensor* out,
                   const std::string& origin) {
  PD_CHECK(*offset <= size, origin, ": record offset ", *offset, " is past the end (", size,
           " bytes)");
  ByteReader r(data + *offset, size - *offset, origin, *offset);

  uint32_t version = r.Read<uint32_t>("LoDTensor version");
  PD_CHECK(version == 0, origin, ": unsupported LoDTensor version ", version,
           " (only 0 exists); this is not a Paddle parameter record");

  uint64_t levels = r.Read<uint64_t>("LoD level count");
  // Each level takes at least its 8-byte length, which bounds a plausible count.
  PD_CHECK(levels <= r.remaining() / 8, origin, ": LoD level count ", levels,
           " cannot fit in the remaining ", r.remaining(), " bytes");
  LoD lod(static_cast<size_t>(levels));
  for (auto& level : lod) {
    uint64_t nbytes = r.Read<uint64_t>("LoD level length");
    PD_CHECK(nbytes % sizeof(uint64_t) == 0, origin, ": LoD level length ", nbytes,
             " is not a multiple of 8");
    const char* p = r.Bytes(nbytes, "LoD level");
    level.resize(static_cast<size_t>(nbytes / sizeof(uint64_t)));
    for (size_t i = 0; i < level.size(); ++i) {
      uint64_t v;
      std::memcpy(&v, p + i * sizeof(uint64_t), sizeof(uint64_t));
      level[i] = static_cast<size_t>(v);
    }
  }

  uint32_t tensor_version = r.Read<uint32_t>("tensor version");
  PD_CHECK(tensor_version == 0, origin, ": unsupported tensor version ", tensor_version,
           " (only 0 exists)");
  int32_t desc_size = r.Read<int32_t>("tensor description length");
  PD_CHECK(desc_size >= 0, origin, ": negative tensor description length ", desc_size);
  const char* desc_bytes = r.Bytes(static_cast<uint64_t>(desc_size), "tensor description");
  proto::VarType::TensorDesc desc;
  PD_CHECK(desc.ParseFromArray(desc_bytes, desc_size), origin,
           ": the tensor description is not a valid VarType.TensorDesc");
  int raw_type = desc.data_type();
  PD_CHECK(IsElementType(raw_type), origin, ": tensor element type ", raw_type,
           " is not a tensor element type");
  DType dtype = static_cast<DType>(raw_type);
  Dims dims(desc.dims().begin(), desc.dims().end());
  uint64_t nbytes = ByteSize(dims, SizeOf(dtype), origin);
  // Checked before allocating: a header may claim any size.
  const char* raw = r.Bytes(nbytes, "tensor data");
  if (!lod.empty()) {
    try {
      ValidateLoD(lod, dims.empty() ? 0 : dims[0]);
    } catch (const Error& e) {
      Fail(origin, ": ", e.what());
    }
  }

  Tensor t;
  t.Resize(dims);
  void* dst = t.mutable_data(dtype);
  if (nbytes > 0) std::memcpy(dst, raw, static_cast<size_t>(nbytes));
  t.set_lod(std::move(lod));
  *out = std::move(t);
  *offset += r.pos();
}

namespace {
template <typename T>
void AppendScalar(T v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}
}  // namespace

void AppendLoDTensor(const Tensor& t, std::string* out) {
  PD_CHECK(t.initialized(), "cannot serialize a tensor that holds no data");
  AppendScalar<uint32_t>(0, out);
  AppendScalar<uint64_t>(t.lod().size(), out);
  for (const auto& level : t.lod()) {
    AppendScalar<uint64_t>(level.size() * sizeof(uint64_t), out);
    for (size_t v : level) AppendScalar<uint64_t>(v, out);
  }
  AppendScalar<uint32_t>(0, out);
  proto::VarType::TensorDesc desc;
  desc.set_data_type(static_cast<proto::VarType::Type>(t.dtype()));
  for (int64_t d : t.dims()) desc.add_dims(d);
  std::string desc_bytes = desc.SerializeAsString();
  AppendScalar<int32_t>(static_cast<int32_t>(desc_bytes.size()), out);
  out->append(desc_bytes);
  out->append(static_cast<const char*>(t.raw_data()), t.nbytes());
}

}  // namespace pd
