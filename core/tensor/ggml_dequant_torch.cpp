#include "tensor/ggml_dequant_torch.h"

namespace fd {

namespace {

using torch::indexing::Slice;

// All helpers work on B: uint8 (n, blockBytes), one row per block, and give
// float32 (n, values) tensors; the caller reshapes to (rows, cols).

// Bytes [at, at + count) of each block.
torch::Tensor bytesAt(const torch::Tensor& b, int64_t at, int64_t count) {
  return b.index({Slice(), Slice(at, at + count)});
}

// A little-endian float16 at byte `at` of each block -> float32 (n, 1).
torch::Tensor halfAt(const torch::Tensor& b, int64_t at) {
  return bytesAt(b, at, 2).contiguous().view(torch::kFloat16).to(torch::kFloat32);
}

// Each byte's low and high nibble as int32, (n, count) each.
torch::Tensor lowNibbles(const torch::Tensor& bytes) {
  return bytes.to(torch::kInt32).bitwise_and(0x0F);
}
torch::Tensor highNibbles(const torch::Tensor& bytes) {
  return bytes.to(torch::kInt32).bitwise_right_shift(4);
}

// Bit j of a little-endian uint32 at byte `at`, for j in [0, 32): (n, 32) in {0, 1}.
torch::Tensor bits32At(const torch::Tensor& b, int64_t at) {
  const auto word = bytesAt(b, at, 4).to(torch::kInt64);  // (n, 4)
  const auto shifts = torch::arange(0, 32, 8, word.options());
  const auto value = word.bitwise_left_shift(shifts).sum(1, /*keepdim=*/true);  // (n, 1)
  return value.bitwise_right_shift(torch::arange(32, word.options())).bitwise_and(1);
}

// q4_0 / q4_1 / q5_0 / q5_1: 16 bytes of nibbles, value j < 16 in the low
// nibble of byte j, value j + 16 in its high nibble.
torch::Tensor nibbles32(const torch::Tensor& qs) {
  return torch::cat({lowNibbles(qs), highNibbles(qs)}, 1);  // (n, 32)
}

torch::Tensor q8_0(const torch::Tensor& b) {
  const auto d = halfAt(b, 0);
  const auto q = bytesAt(b, 2, 32).contiguous().view(torch::kInt8).to(torch::kFloat32);
  return q * d;
}

torch::Tensor q4_0(const torch::Tensor& b) {
  const auto d = halfAt(b, 0);
  return (nibbles32(bytesAt(b, 2, 16)) - 8).to(torch::kFloat32) * d;
}

torch::Tensor q4_1(const torch::Tensor& b) {
  const auto d = halfAt(b, 0), m = halfAt(b, 2);
  return nibbles32(bytesAt(b, 4, 16)).to(torch::kFloat32) * d + m;
}

torch::Tensor q5_0(const torch::Tensor& b) {
  const auto d = halfAt(b, 0);
  const auto high = bits32At(b, 2).to(torch::kInt32).bitwise_left_shift(4);  // (n, 32)
  return ((nibbles32(bytesAt(b, 6, 16)) | high) - 16).to(torch::kFloat32) * d;
}

torch::Tensor q5_1(const torch::Tensor& b) {
  const auto d = halfAt(b, 0), m = halfAt(b, 2);
  const auto high = bits32At(b, 4).to(torch::kInt32).bitwise_left_shift(4);
  return (nibbles32(bytesAt(b, 8, 16)) | high).to(torch::kFloat32) * d + m;
}

// Per-16-value scale index of a 256-value K-quant block laid out as
// (half h, part j, l) -> h*8 + 2j + (l >= 16): expands (n, 16) to (n, 2, 4, 32).
torch::Tensor perSixteen(const torch::Tensor& scales16) {
  return scales16.reshape({-1, 2, 4, 2, 1}).expand({-1, 2, 4, 2, 16}).reshape({-1, 2, 4, 32});
}

torch::Tensor q2_K(const torch::Tensor& b) {
  // scales[16] (low nibble: scale, high: min), qs[64], d, dmin.
  const auto scales = bytesAt(b, 0, 16).to(torch::kInt32);
  const auto d = halfAt(b, 80).unsqueeze(-1).unsqueeze(-1),
             dmin = halfAt(b, 82).unsqueeze(-1).unsqueeze(-1);
  const auto dl = d * perSixteen(scales.bitwise_and(0x0F)).to(torch::kFloat32);
  const auto ml = dmin * perSixteen(scales.bitwise_right_shift(4)).to(torch::kFloat32);
  // Value (h, j, l): bits 2j of byte h*32 + l.
  const auto qs = bytesAt(b, 16, 64).to(torch::kInt32).reshape({-1, 2, 1, 32});
  const auto shifts = torch::arange(0, 8, 2, qs.options()).reshape({1, 1, 4, 1});
  const auto q = qs.bitwise_right_shift(shifts).bitwise_and(3).to(torch::kFloat32);
  return (dl * q - ml).reshape({-1, 256});
}

torch::Tensor q3_K(const torch::Tensor& b) {
  // hmask[32], qs[64], scales[12] (16 six-bit scales), d.
  const auto s = bytesAt(b, 96, 12).to(torch::kInt32);  // (n, 12)
  // Scale i: low 4 bits from byte i (i < 8) or the high nibble of byte i-8,
  // top 2 bits from byte 8 + i%4 at bit 2*(i/4); stored with +32.
  const auto low = torch::cat({s.index({Slice(), Slice(0, 8)}).bitwise_and(0x0F),
                               s.index({Slice(), Slice(0, 8)}).bitwise_right_shift(4)},
                              1);                                                // (n, 16)
  const auto top = s.index({Slice(), Slice(8, 12)}).unsqueeze(1);                // (n, 1, 4)
  const auto topShift = torch::arange(0, 8, 2, s.options()).reshape({1, 4, 1});  // (1, 4, 1)
  const auto high =
      top.bitwise_right_shift(topShift).bitwise_and(3).reshape({-1, 16});  // i = 4*(i/4) + i%4
  const auto scales = (low.bitwise_or(high.bitwise_left_shift(4)) - 32).to(torch::kFloat32);
  const auto d = halfAt(b, 108).unsqueeze(-1).unsqueeze(-1);
  const auto dl = d * perSixteen(scales);
  const auto qs = bytesAt(b, 32, 64).to(torch::kInt32).reshape({-1, 2, 1, 32});
  const auto shifts = torch::arange(0, 8, 2, qs.options()).reshape({1, 1, 4, 1});
  const auto q = qs.bitwise_right_shift(shifts).bitwise_and(3);  // (n, 2, 4, 32)
  // The high bit of value (h, j, l) is bit h*4 + j of hmask[l]; clear means -4.
  const auto hm = bytesAt(b, 0, 32).to(torch::kInt32).reshape({-1, 1, 1, 32});
  const auto bit = torch::arange(8, hm.options()).reshape({1, 2, 4, 1});
  const auto missing = hm.bitwise_right_shift(bit).bitwise_and(1).eq(0).to(torch::kInt32) * 4;
  return (dl * (q - missing).to(torch::kFloat32)).reshape({-1, 256});
}

// q4_K / q5_K: eight 6-bit (scale, min) pairs packed in 12 bytes.
// Pair j < 4: scale = q[j] & 63, min = q[j+4] & 63; j >= 4: scale =
// (q[j+4] & 15) | (q[j-4] >> 6) << 4, min = (q[j+4] >> 4) | (q[j] >> 6) << 4.
std::pair<torch::Tensor, torch::Tensor> scaleMinK4(const torch::Tensor& q12) {
  const auto q = q12.to(torch::kInt32);
  const auto a = q.index({Slice(), Slice(0, 4)}), m = q.index({Slice(), Slice(4, 8)}),
             c = q.index({Slice(), Slice(8, 12)});
  const auto scale =
      torch::cat({a.bitwise_and(63),
                  c.bitwise_and(15).bitwise_or(a.bitwise_right_shift(6).bitwise_left_shift(4))},
                 1);
  const auto min = torch::cat(
      {m.bitwise_and(63),
       c.bitwise_right_shift(4).bitwise_or(m.bitwise_right_shift(6).bitwise_left_shift(4))},
      1);
  return {scale.to(torch::kFloat32), min.to(torch::kFloat32)};  // (n, 8) each
}

// Value (g, half, l) of a q4_K/q5_K block: sub-block 2g + half.
torch::Tensor q4_K(const torch::Tensor& b) {
  const auto d = halfAt(b, 0), dmin = halfAt(b, 2);
  auto [scale, min] = scaleMinK4(bytesAt(b, 4, 12));
  const auto d1 = (d * scale).reshape({-1, 4, 2, 1}), m1 = (dmin * min).reshape({-1, 4, 2, 1});
  const auto qs = bytesAt(b, 16, 128).reshape({-1, 4, 1, 32});
  const auto q =
      torch::cat({lowNibbles(qs), highNibbles(qs)}, 2).to(torch::kFloat32);  // (n, 4, 2, 32)
  return (d1 * q - m1).reshape({-1, 256});
}

torch::Tensor q5_K(const torch::Tensor& b) {
  const auto d = halfAt(b, 0), dmin = halfAt(b, 2);
  auto [scale, min] = scaleMinK4(bytesAt(b, 4, 12));
  const auto d1 = (d * scale).reshape({-1, 4, 2, 1}), m1 = (dmin * min).reshape({-1, 4, 2, 1});
  const auto ql = bytesAt(b, 48, 128).reshape({-1, 4, 1, 32});
  const auto low = torch::cat({lowNibbles(ql), highNibbles(ql)}, 2);  // (n, 4, 2, 32)
  // Fifth bit of value (g, half, l): bit 2g + half of qh[l].
  const auto qh = bytesAt(b, 16, 32).to(torch::kInt32).reshape({-1, 1, 1, 32});
  const auto bit = torch::arange(8, qh.options()).reshape({1, 4, 2, 1});
  const auto high = qh.bitwise_right_shift(bit).bitwise_and(1).bitwise_left_shift(4);
  return (d1 * (low + high).to(torch::kFloat32) - m1).reshape({-1, 256});
}

torch::Tensor q6_K(const torch::Tensor& b) {
  // ql[128], qh[64], int8 scales[16], d. Value (h, k, l), k = 0..3:
  // low 4 bits from ql[h*64 + (k&1)*32 + l] (low nibble for k < 2),
  // top 2 bits from qh[h*32 + l] at bit 2k; scale 8h + l/16 + 2k.
  const auto ql = bytesAt(b, 0, 128).reshape({-1, 2, 2, 32});         // (n, h, k&1, l)
  const auto low = torch::cat({lowNibbles(ql), highNibbles(ql)}, 2);  // (n, 2, 4, 32)
  const auto qh = bytesAt(b, 128, 64).to(torch::kInt32).reshape({-1, 2, 1, 32});
  const auto shifts = torch::arange(0, 8, 2, qh.options()).reshape({1, 1, 4, 1});
  const auto high = qh.bitwise_right_shift(shifts).bitwise_and(3).bitwise_left_shift(4);
  const auto q = (low.bitwise_or(high) - 32).to(torch::kFloat32);
  const auto sc =
      bytesAt(b, 192, 16).contiguous().view(torch::kInt8).to(torch::kFloat32);  // (n, 16)
  // Scale index 8h + 2k + l/16 -> (n, 2, 4, 2) expanded over 16 values.
  const auto scales =
      sc.reshape({-1, 2, 4, 2, 1}).expand({-1, 2, 4, 2, 16}).reshape({-1, 2, 4, 32});
  const auto d = halfAt(b, 208).unsqueeze(-1).unsqueeze(-1);
  return (d * scales * q).reshape({-1, 256});
}

using BlockDecoder = torch::Tensor (*)(const torch::Tensor&);

struct DecoderRow {
  DType type;
  BlockDecoder decode;
};

constexpr DecoderRow kDecoders[] = {
    {DType::Q4_0, q4_0}, {DType::Q4_1, q4_1}, {DType::Q5_0, q5_0}, {DType::Q5_1, q5_1},
    {DType::Q8_0, q8_0}, {DType::Q2_K, q2_K}, {DType::Q3_K, q3_K}, {DType::Q4_K, q4_K},
    {DType::Q5_K, q5_K}, {DType::Q6_K, q6_K},
};

}  // namespace

torch::Tensor dequantizeBlocksTorch(const torch::Tensor& blocks, DType type, int64_t cols) {
  BlockDecoder decode = nullptr;
  for (const auto& row : kDecoders)
    if (row.type == type) decode = row.decode;
  TORCH_CHECK(decode, "dequantizeBlocksTorch: ", dtypeDisplayName(type),
              " is not a ggml block type");
  TORCH_CHECK(blocks.scalar_type() == torch::kUInt8 && blocks.dim() == 2,
              "dequantizeBlocksTorch: expected uint8 ", "(rows, rowBytes), got ", blocks.sizes(),
              " ", blocks.scalar_type());
  const auto rowBytes = storageBytes(type, cols);
  TORCH_CHECK(rowBytes && static_cast<int64_t>(*rowBytes) == blocks.size(1),
              "dequantizeBlocksTorch: ", blocks.size(1), " bytes per row cannot hold ", cols, " ",
              dtypeDisplayName(type), " values");
  const int64_t rows = blocks.size(0);
  const auto perBlock = blockBytes(type);
  const torch::Tensor b =
      blocks.contiguous().reshape({-1, perBlock});  // (rows * blocks per row, blockBytes)
  return decode(b).reshape({rows, cols});
}

}  // namespace fd
