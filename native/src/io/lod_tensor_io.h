// Paddle's LoDTensor record (save/load, save_combine/load_combine): version, LoD, tensor
// version, a serialized VarType.TensorDesc, then raw little-endian data. Every length in a
// record is checked against the bytes that remain before anything is allocated, so a corrupt
// or hostile header fails with a message instead of a huge allocation or an overread.
#pragma once

#include <cstddef>
#include <string>

#include "framework/tensor.h"

namespace pd {

// Decodes the record that starts at *offset in data[0, size) into out and advances *offset
// past it. origin ("file 'x', variable 'y'") prefixes every error message.
void ReadLoDTensor(const char* data, size_t size, size_t* offset, Tensor* out,
                   const std::string& origin);

// Appends the record of t (which must hold data) to out, as Paddle's save op writes it.
void AppendLoDTensor(const Tensor& t, std::string* out);

}  // namespace pd
