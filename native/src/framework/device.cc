#include "framework/device.h"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "framework/builtins.h"
#include "framework/error.h"
#include "framework/tensor.h"

namespace pd {

DeviceRegistry& DeviceRegistry::Global() {
  static DeviceRegistry* registry = [] {
    auto* r = new DeviceRegistry();
    RegisterBuiltinDevices(*r);
    return r;
  }();
  return *registry;
}

void DeviceRegistry::Add(std::unique_ptr<Device> device) {
  const DeviceType type = device->type();
  DropConversionContexts(type);  // made by the device this one replaces
  std::lock_guard<std::mutex> lock(mu_);
  devices_[type] = std::move(device);
}

void DeviceRegistry::Remove(DeviceType type) {
  DropConversionContexts(type);
  std::lock_guard<std::mutex> lock(mu_);
  devices_.erase(type);
}

void DeviceRegistry::DropConversionContexts(DeviceType type) {
  std::lock_guard<std::mutex> lock(conversion_mu_);
  for (auto it = conversion_contexts_.begin(); it != conversion_contexts_.end();)
    it = it->first.type == type ? conversion_contexts_.erase(it) : std::next(it);
}

std::unique_ptr<Fence> DeviceContext::CopyAside(void* dst, const void* src, size_t bytes) {
  DeviceRegistry::Global().Get(place_.type).CopyFromHost(place_.device, dst, src, bytes, stream());
  return nullptr;
}

void DeviceRegistry::ToPlain(Tensor* t) {
  Device& device = Get(t->place().type);
  std::unique_ptr<LayoutConverter> converter = device.NewLayoutConverter();
  PD_CHECK(converter != nullptr, "a ", t->place().ToString(), " tensor has layout ", t->layout(),
           ", but its device has no layout converter");
  std::lock_guard<std::mutex> lock(conversion_mu_);
  auto& ctx = conversion_contexts_[t->place()];
  if (ctx == nullptr) ctx = device.NewContext(t->place(), ExecConfig{});
  converter->ToPlain(t, *ctx);
}

Device* DeviceRegistry::Find(DeviceType type) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = devices_.find(type);
  return it == devices_.end() ? nullptr : it->second.get();
}

Device& DeviceRegistry::Get(DeviceType type) const {
  Device* d = Find(type);
  PD_CHECK(d != nullptr, "no ", DeviceTypeName(type), " device in this build");
  return *d;
}

bool Bf16ActivationsWanted() {
  const char* v = std::getenv("GOHUB_CUDA_BF16_ACTIVATIONS");
  return v == nullptr || std::string(v) != "0";
}

Allocator& AllocatorFor(Place place) {
  if (place.is_cpu()) return CpuAllocator();
  return DeviceRegistry::Global().Get(place.type).allocator(place.device);
}

const Tensor& PlainOnHost(const Tensor& t, Tensor* host) {
  if (t.layout() == 0 && t.place().is_cpu()) return t;
  Tensor plain;
  plain.ShareDataWith(t);
  if (t.layout() != 0) DeviceRegistry::Global().ToPlain(&plain);
  if (plain.place().is_cpu()) {
    host->ShareDataWith(plain);
    return *host;
  }
  CopyTensor(plain, Place::CPU(), host);
  return *host;
}

void CopyTensor(const Tensor& src, Place place, Tensor* dst, Stream stream, bool wait) {
  PD_CHECK(dst != &src, "CopyTensor: source and destination are the same tensor");
  dst->Resize(src.dims());
  dst->set_lod(src.lod());
  if (!src.initialized()) {
    dst->Release();
    dst->set_dtype(src.dtype());
    return;
  }
  // A layout code means something only to its own device type.
  PD_CHECK(src.layout() == 0 || src.place().type == place.type, "CopyTensor: a tensor in a ",
           DeviceTypeName(src.place().type), " layout must be made plain before it moves to ",
           place.ToString());
  // A non-plain layout may hold padding beyond nbytes(): copy all of the buffer.
  const size_t n = src.layout() ? src.capacity() : src.nbytes();
  dst->set_place(place);
  void* to = dst->mutable_data(src.dtype(), n);
  dst->set_layout(src.layout());
  const void* from = src.raw_data();
  const Place from_place = src.place();
  if (from_place.is_cpu() && place.is_cpu()) {
    std::memcpy(to, from, n);
  } else if (from_place.is_cpu()) {
    DeviceRegistry::Global().Get(place.type).CopyFromHost(place.device, to, from, n, stream);
  } else if (place.is_cpu()) {
    Device& d = DeviceRegistry::Global().Get(from_place.type);
    d.CopyToHost(from_place.device, to, from, n, stream);
    if (wait) d.Synchronize(from_place.device, stream);
  } else {
    // Between two devices through host memory: rare (the executor pairs each device with the
    // CPU), so simple rather than fast.
    Tensor host;
    CopyTensor(src, Place::CPU(), &host, stream);
    Device& d = DeviceRegistry::Global().Get(place.type);
    d.CopyFromHost(place.device, to, host.raw_data(), n, stream);
    d.Synchronize(place.device, stream);  // host goes away here
  }
}

}  // namespace pd
