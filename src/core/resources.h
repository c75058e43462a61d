// Resource quantities of nodes and tasks, and the GPU devices of a node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum {

inline constexpr int64_t kGpuMilliPerDevice = 1000;

// A quantity in every dimension a scheduler counts. GPUs are counted in milli-units summed over
// devices: a task's gpu_milli is either a multiple of 1000 (whole GPUs) or below 1000 (a share of
// one device); how the units map onto devices is GpuDevices' job.
struct ResourceVector {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t gpu_milli = 0;
  std::map<std::string, int64_t> extended;  // named resources such as "rdma" or "nvme_gb"

  // True when every dimension of this vector is <= the same dimension of `capacity`.
  bool fits_in(const ResourceVector& capacity) const;
  // fits_in for `this + extra`, without building the sum (placement's hot path).
  bool fits_in_with(const ResourceVector& extra, const ResourceVector& capacity) const;
  bool is_zero() const;
  int64_t extended_amount(const std::string& name) const;

  ResourceVector& operator+=(const ResourceVector& other);
  ResourceVector& operator-=(const ResourceVector& other);
  friend ResourceVector operator+(ResourceVector a, const ResourceVector& b) { return a += b; }
  friend ResourceVector operator-(ResourceVector a, const ResourceVector& b) { return a -= b; }
  // Equal in every dimension; an extended resource that is absent counts as zero, so a vector
  // that had a resource added and subtracted again equals one that never had it.
  friend bool operator==(const ResourceVector& a, const ResourceVector& b);

  // "cpu=2 mem=8Gi gpu=1.5" (zero dimensions omitted; "none" when all are zero).
  std::string to_string() const;
};

// How a GPU demand lands on devices: `whole` full devices, or one device shared for `share_milli`.
struct GpuShape {
  int64_t whole = 0;
  int64_t share_milli = 0;
  static GpuShape of(int64_t gpu_milli);
};

// True when gpu_milli can be requested: 0, below 1000 (a share) or a multiple of 1000.
bool is_valid_gpu_demand(int64_t gpu_milli);

// The GPU devices of one node, each with 1000 milli-units.
class GpuDevices {
 public:
  GpuDevices() = default;
  explicit GpuDevices(int count);

  int count() const { return static_cast<int>(used_milli_.size()); }
  int64_t used_milli(int device) const { return used_milli_[device]; }
  int64_t free_milli(int device) const { return kGpuMilliPerDevice - used_milli_[device]; }
  int64_t total_free_milli() const;
  int whole_free_count() const;        // devices with nothing allocated
  int64_t largest_free_milli() const;  // most free milli-units on a single device

  // Allocation-free check that choose(gpu_milli) would succeed.
  bool can_fit(int64_t gpu_milli) const;
  // Devices a demand would get: the lowest-indexed free devices for whole GPUs, the fullest device
  // that still fits for a share (best fit keeps whole devices free for whole-GPU tasks).
  std::optional<std::vector<int>> choose(int64_t gpu_milli) const;
  // `devices` is a valid placement of gpu_milli: one device with room for a share, or `whole`
  // distinct free devices for whole GPUs (what a placer that picks devices itself must return).
  bool fits_on(const std::vector<int>& devices, int64_t gpu_milli) const;
  // Takes `gpu_milli` on `devices` (as returned by choose); false and no change if it does not fit.
  bool allocate(const std::vector<int>& devices, int64_t gpu_milli);
  void release(const std::vector<int>& devices, int64_t gpu_milli);

 private:
  int64_t per_device_milli(const std::vector<int>& devices, int64_t gpu_milli) const;
  std::vector<int64_t> used_milli_;
};

// Human-readable quantities, the inverse of the config parser's formats.
std::string format_cpu_millis(int64_t cpu_millis);  // 2500 -> "2.5"
std::string format_bytes(int64_t bytes);            // 8589934592 -> "8Gi"
std::string format_gpu_milli(int64_t gpu_milli);    // 1500 -> "1.5"
std::string format_number(
    double value);  // shortest text that reads back: 1.25 -> "1.25", 2.0 -> "2"

}  // namespace fulcrum
