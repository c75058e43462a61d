#include "core/resources.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace fulcrum {

bool ResourceVector::fits_in(const ResourceVector& capacity) const {
  if (cpu_millis > capacity.cpu_millis || memory_bytes > capacity.memory_bytes ||
      gpu_milli > capacity.gpu_milli) {
    return false;
  }
  for (const auto& [name, amount] : extended) {
    if (amount > capacity.extended_amount(name)) return false;
  }
  return true;
}

bool ResourceVector::fits_in_with(const ResourceVector& extra,
                                  const ResourceVector& capacity) const {
  if (cpu_millis + extra.cpu_millis > capacity.cpu_millis ||
      memory_bytes + extra.memory_bytes > capacity.memory_bytes ||
      gpu_milli + extra.gpu_milli > capacity.gpu_milli) {
    return false;
  }
  for (const auto& [name, amount] : extra.extended) {
    if (extended_amount(name) + amount > capacity.extended_amount(name)) return false;
  }
  return true;
}

bool ResourceVector::is_zero() const {
  if (cpu_millis != 0 || memory_bytes != 0 || gpu_milli != 0) return false;
  return std::all_of(extended.begin(), extended.end(),
                     [](const auto& entry) { return entry.second == 0; });
}

int64_t ResourceVector::extended_amount(const std::string& name) const {
  auto it = extended.find(name);
  return it == extended.end() ? 0 : it->second;
}

bool operator==(const ResourceVector& a, const ResourceVector& b) {
  if (a.cpu_millis != b.cpu_millis || a.memory_bytes != b.memory_bytes ||
      a.gpu_milli != b.gpu_milli) {
    return false;
  }
  auto extended_within = [](const ResourceVector& from, const ResourceVector& other) {
    return std::all_of(from.extended.begin(), from.extended.end(), [&other](const auto& entry) {
      return entry.second == other.extended_amount(entry.first);
    });
  };
  return extended_within(a, b) && extended_within(b, a);
}

ResourceVector& ResourceVector::operator+=(const ResourceVector& other) {
  cpu_millis += other.cpu_millis;
  memory_bytes += other.memory_bytes;
  gpu_milli += other.gpu_milli;
  for (const auto& [name, amount] : other.extended) extended[name] += amount;
  return *this;
}

ResourceVector& ResourceVector::operator-=(const ResourceVector& other) {
  cpu_millis -= other.cpu_millis;
  memory_bytes -= other.memory_bytes;
  gpu_milli -= other.gpu_milli;
  for (const auto& [name, amount] : other.extended) extended[name] -= amount;
  return *this;
}

std::string ResourceVector::to_string() const {
  std::string text;
  auto append = [&text](const std::string& item) {
    if (!text.empty()) text += ' ';
    text += item;
  };
  if (cpu_millis != 0) append("cpu=" + format_cpu_millis(cpu_millis));
  if (memory_bytes != 0) append("mem=" + format_bytes(memory_bytes));
  if (gpu_milli != 0) append("gpu=" + format_gpu_milli(gpu_milli));
  for (const auto& [name, amount] : extended) {
    if (amount != 0) append(name + "=" + std::to_string(amount));
  }
  return text.empty() ? "none" : text;
}

GpuShape GpuShape::of(int64_t gpu_milli) {
  if (gpu_milli < kGpuMilliPerDevice) return {0, gpu_milli};
  return {gpu_milli / kGpuMilliPerDevice, 0};
}

bool is_valid_gpu_demand(int64_t gpu_milli) {
  return gpu_milli >= 0 && (gpu_milli < kGpuMilliPerDevice || gpu_milli % kGpuMilliPerDevice == 0);
}

GpuDevices::GpuDevices(int count) : used_milli_(static_cast<size_t>(std::max(count, 0)), 0) {}

int64_t GpuDevices::total_free_milli() const {
  int64_t total = 0;
  for (int device = 0; device < count(); ++device) total += free_milli(device);
  return total;
}

int GpuDevices::whole_free_count() const {
  return static_cast<int>(std::count(used_milli_.begin(), used_milli_.end(), 0));
}

int64_t GpuDevices::largest_free_milli() const {
  int64_t largest = 0;
  for (int device = 0; device < count(); ++device) largest = std::max(largest, free_milli(device));
  return largest;
}

bool GpuDevices::can_fit(int64_t gpu_milli) const {
  if (gpu_milli <= 0) return true;
  if (!is_valid_gpu_demand(gpu_milli)) return false;
  GpuShape shape = GpuShape::of(gpu_milli);
  if (shape.whole > 0) return whole_free_count() >= shape.whole;
  return largest_free_milli() >= shape.share_milli;
}

std::optional<std::vector<int>> GpuDevices::choose(int64_t gpu_milli) const {
  std::vector<int> devices;
  if (gpu_milli <= 0) return devices;
  if (!is_valid_gpu_demand(gpu_milli)) return std::nullopt;
  GpuShape shape = GpuShape::of(gpu_milli);
  if (shape.whole > 0) {
    for (int device = 0; device < count() && static_cast<int64_t>(devices.size()) < shape.whole;
         ++device) {
      if (used_milli_[device] == 0) devices.push_back(device);
    }
    if (static_cast<int64_t>(devices.size()) < shape.whole) return std::nullopt;
    return devices;
  }
  int best = -1;
  for (int device = 0; device < count(); ++device) {
    int64_t free = free_milli(device);
    if (free >= shape.share_milli && (best < 0 || free < free_milli(best))) best = device;
  }
  if (best < 0) return std::nullopt;
  devices.push_back(best);
  return devices;
}

bool GpuDevices::fits_on(const std::vector<int>& devices, int64_t gpu_milli) const {
  if (gpu_milli <= 0) return devices.empty();
  if (!is_valid_gpu_demand(gpu_milli)) return false;
  GpuShape shape = GpuShape::of(gpu_milli);
  int64_t wanted = shape.whole > 0 ? shape.whole : 1;
  if (static_cast<int64_t>(devices.size()) != wanted) return false;
  int64_t each = per_device_milli(devices, gpu_milli);
  std::vector<bool> taken(static_cast<size_t>(count()), false);
  for (int device : devices) {
    if (device < 0 || device >= count() || taken[device] || free_milli(device) < each) return false;
    taken[device] = true;
  }
  return true;
}

int64_t GpuDevices::per_device_milli(const std::vector<int>& devices, int64_t gpu_milli) const {
  return devices.size() <= 1 ? gpu_milli : kGpuMilliPerDevice;
}

bool GpuDevices::allocate(const std::vector<int>& devices, int64_t gpu_milli) {
  int64_t each = per_device_milli(devices, gpu_milli);
  for (int device : devices) {
    if (device < 0 || device >= count() || free_milli(device) < each) return false;
  }
  for (int device : devices) used_milli_[device] += each;
  return true;
}

void GpuDevices::release(const std::vector<int>& devices, int64_t gpu_milli) {
  int64_t each = per_device_milli(devices, gpu_milli);
  for (int device : devices) {
    if (device >= 0 && device < count()) {
      used_milli_[device] = std::max<int64_t>(0, used_milli_[device] - each);
    }
  }
}

namespace {

// Prints value/scale with up to three decimals and no trailing zeros.
std::string format_scaled(int64_t value, int64_t scale) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", static_cast<double>(value) / scale);
  std::string text(buffer);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string format_number(double value) {
  char buffer[32];
  // Whole numbers in plain digits (600000, not 6e+05); others as the shortest text that reads back.
  auto format = std::abs(value) < 1e15 && value == std::trunc(value) ? std::chars_format::fixed
                                                                     : std::chars_format::general;
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value, format).ptr);
}

std::string format_cpu_millis(int64_t cpu_millis) { return format_scaled(cpu_millis, 1000); }

std::string format_gpu_milli(int64_t gpu_milli) {
  return format_scaled(gpu_milli, kGpuMilliPerDevice);
}

std::string format_bytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"Ki", "Mi", "Gi", "Ti", "Pi"};
  if (bytes < 1024 && bytes > -1024) return std::to_string(bytes);
  int64_t scale = 1024;
  int unit = 0;
  while (unit < 4 && (bytes / scale >= 1024 || bytes / scale <= -1024)) {
    scale *= 1024;
    ++unit;
  }
  return format_scaled(bytes, scale) + kUnits[unit];
}

}  // namespace fulcrum
