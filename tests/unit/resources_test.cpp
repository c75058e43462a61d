#include "core/resources.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

ResourceVector vector_of(int64_t cpu_millis, int64_t memory_bytes, int64_t gpu_milli = 0) {
  ResourceVector vector;
  vector.cpu_millis = cpu_millis;
  vector.memory_bytes = memory_bytes;
  vector.gpu_milli = gpu_milli;
  return vector;
}

TEST(ResourceVectorTest, FitsWhenEveryDimensionFits) {
  ResourceVector capacity = vector_of(4000, 8000, 2000);
  EXPECT_TRUE(vector_of(4000, 8000, 2000).fits_in(capacity));
  EXPECT_TRUE(vector_of(0, 0).fits_in(capacity));
  EXPECT_FALSE(vector_of(4001, 0).fits_in(capacity));
  EXPECT_FALSE(vector_of(0, 8001).fits_in(capacity));
  EXPECT_FALSE(vector_of(0, 0, 2001).fits_in(capacity));
}

TEST(ResourceVectorTest, ExtendedResourcesMissingFromCapacityCountAsZero) {
  ResourceVector capacity = vector_of(1000, 1000);
  capacity.extended["rdma"] = 2;
  ResourceVector demand;
  demand.extended["rdma"] = 2;
  EXPECT_TRUE(demand.fits_in(capacity));
  demand.extended["rdma"] = 3;
  EXPECT_FALSE(demand.fits_in(capacity));
  ResourceVector other;
  other.extended["nvme_gb"] = 1;
  EXPECT_FALSE(other.fits_in(capacity));
  EXPECT_EQ(capacity.extended_amount("nvme_gb"), 0);
  EXPECT_EQ(capacity.extended_amount("rdma"), 2);
}

TEST(ResourceVectorTest, AddAndSubtractEveryDimension) {
  ResourceVector a = vector_of(1000, 2000, 500);
  a.extended["rdma"] = 1;
  ResourceVector b = vector_of(250, 1000, 1000);
  b.extended["rdma"] = 2;
  b.extended["nvme_gb"] = 10;
  ResourceVector sum = a + b;
  EXPECT_EQ(sum.cpu_millis, 1250);
  EXPECT_EQ(sum.memory_bytes, 3000);
  EXPECT_EQ(sum.gpu_milli, 1500);
  EXPECT_EQ(sum.extended_amount("rdma"), 3);
  EXPECT_EQ(sum.extended_amount("nvme_gb"), 10);
  EXPECT_EQ(sum - b, a);
}

TEST(ResourceVectorTest, EqualityTreatsAbsentExtendedAsZero) {
  ResourceVector demand;
  demand.extended["rdma"] = 1;
  ResourceVector allocated;
  allocated += demand;
  allocated -= demand;
  EXPECT_TRUE(allocated.is_zero());
  EXPECT_EQ(allocated, ResourceVector{});
  EXPECT_NE(demand, ResourceVector{});
}

TEST(ResourceVectorTest, IsZero) {
  EXPECT_TRUE(ResourceVector{}.is_zero());
  EXPECT_FALSE(vector_of(1, 0).is_zero());
  ResourceVector extended;
  extended.extended["rdma"] = 0;
  EXPECT_TRUE(extended.is_zero());
  extended.extended["rdma"] = 1;
  EXPECT_FALSE(extended.is_zero());
}

TEST(ResourceVectorTest, ToStringOmitsZeroDimensions) {
  ResourceVector vector = vector_of(2000, int64_t{8} << 30, 1500);
  EXPECT_EQ(vector.to_string(), "cpu=2 mem=8Gi gpu=1.5");
  vector.extended["rdma"] = 2;
  EXPECT_EQ(vector.to_string(), "cpu=2 mem=8Gi gpu=1.5 rdma=2");
  EXPECT_EQ(vector_of(500, 0).to_string(), "cpu=0.5");
  EXPECT_EQ(ResourceVector{}.to_string(), "none");
}

TEST(GpuShapeTest, WholeOrShare) {
  EXPECT_EQ(GpuShape::of(0).whole, 0);
  EXPECT_EQ(GpuShape::of(300).share_milli, 300);
  EXPECT_EQ(GpuShape::of(300).whole, 0);
  EXPECT_EQ(GpuShape::of(1000).whole, 1);
  EXPECT_EQ(GpuShape::of(4000).whole, 4);
  EXPECT_EQ(GpuShape::of(4000).share_milli, 0);
}

TEST(GpuShapeTest, ValidDemands) {
  EXPECT_TRUE(is_valid_gpu_demand(0));
  EXPECT_TRUE(is_valid_gpu_demand(1));
  EXPECT_TRUE(is_valid_gpu_demand(999));
  EXPECT_TRUE(is_valid_gpu_demand(1000));
  EXPECT_TRUE(is_valid_gpu_demand(3000));
  EXPECT_FALSE(is_valid_gpu_demand(1500));
  EXPECT_FALSE(is_valid_gpu_demand(-1));
}

TEST(GpuDevicesTest, WholeGpusTakeTheLowestFreeDevices) {
  GpuDevices gpus(4);
  ASSERT_TRUE(gpus.allocate({1}, 300));
  auto devices = gpus.choose(2000);
  ASSERT_TRUE(devices.has_value());
  EXPECT_EQ(*devices, (std::vector<int>{0, 2}));
  ASSERT_TRUE(gpus.allocate(*devices, 2000));
  EXPECT_EQ(gpus.used_milli(0), 1000);
  EXPECT_EQ(gpus.used_milli(2), 1000);
  EXPECT_EQ(gpus.whole_free_count(), 1);
  EXPECT_FALSE(gpus.can_fit(2000));
  EXPECT_TRUE(gpus.can_fit(1000));
}

TEST(GpuDevicesTest, WholeGpusNeedUntouchedDevicesNotFreeMilliUnits) {
  GpuDevices gpus(2);
  ASSERT_TRUE(gpus.allocate({0}, 100));
  ASSERT_TRUE(gpus.allocate({1}, 100));
  EXPECT_EQ(gpus.total_free_milli(), 1800);
  EXPECT_FALSE(gpus.can_fit(1000));
  EXPECT_TRUE(gpus.can_fit(900));
}

TEST(GpuDevicesTest, SharesGoToTheFullestDeviceThatFits) {
  GpuDevices gpus(3);
  ASSERT_TRUE(gpus.allocate({0}, 500));
  ASSERT_TRUE(gpus.allocate({1}, 800));
  EXPECT_EQ(gpus.choose(200), std::vector<int>{1});
  EXPECT_EQ(gpus.choose(300), std::vector<int>{0});
  EXPECT_EQ(gpus.choose(600), std::vector<int>{2});
  EXPECT_EQ(gpus.largest_free_milli(), 1000);
}

TEST(GpuDevicesTest, AllocateRefusesOverflowAndChangesNothing) {
  GpuDevices gpus(2);
  ASSERT_TRUE(gpus.allocate({0}, 700));
  EXPECT_FALSE(gpus.allocate({0}, 400));
  EXPECT_FALSE(gpus.allocate({0, 1}, 2000));
  EXPECT_FALSE(gpus.allocate({5}, 100));
  EXPECT_EQ(gpus.used_milli(0), 700);
  EXPECT_EQ(gpus.used_milli(1), 0);
}

TEST(GpuDevicesTest, ReleaseReturnsWhatWasTaken) {
  GpuDevices gpus(2);
  auto devices = gpus.choose(2000);
  ASSERT_TRUE(devices && gpus.allocate(*devices, 2000));
  EXPECT_EQ(gpus.total_free_milli(), 0);
  gpus.release(*devices, 2000);
  EXPECT_EQ(gpus.total_free_milli(), 2000);
  ASSERT_TRUE(gpus.allocate({1}, 250));
  gpus.release({1}, 250);
  EXPECT_EQ(gpus.whole_free_count(), 2);
}

TEST(GpuDevicesTest, ZeroDemandNeedsNoDevice) {
  GpuDevices none;
  EXPECT_EQ(none.count(), 0);
  EXPECT_EQ(none.choose(0), std::vector<int>{});
  EXPECT_FALSE(none.can_fit(100));
  EXPECT_FALSE(GpuDevices(4).can_fit(1500));
}

TEST(GpuDevicesTest, CanFitAgreesWithChooseOnRandomStates) {
  Rng rng(11);
  const int64_t demands[] = {0, 100, 250, 500, 999, 1000, 2000, 3000, 1500};
  for (int round = 0; round < 500; ++round) {
    GpuDevices devices(static_cast<int>(rng.uniform(5)));
    for (int device = 0; device < devices.count(); ++device) {
      int64_t used = static_cast<int64_t>(rng.uniform(3)) * 500;  // 0, 500 or 1000
      if (used > 0) devices.allocate({device}, used);
    }
    for (int64_t demand : demands) {
      EXPECT_EQ(devices.can_fit(demand), devices.choose(demand).has_value()) << demand;
    }
  }
}

TEST(ResourceVectorTest, FitsInWithMatchesFitsInOfTheSum) {
  ResourceVector capacity{4000, 1000, 2000, {{"rdma", 2}}};
  ResourceVector used{3000, 500, 1000, {{"rdma", 1}}};
  ResourceVector small{1000, 500, 1000, {{"rdma", 1}}};
  ResourceVector too_much_rdma{0, 0, 0, {{"rdma", 2}}};
  ResourceVector unknown{0, 0, 0, {{"nvme", 1}}};
  for (const ResourceVector& extra : {small, too_much_rdma, unknown}) {
    EXPECT_EQ(used.fits_in_with(extra, capacity), (used + extra).fits_in(capacity));
  }
  EXPECT_TRUE(used.fits_in_with(small, capacity));
  EXPECT_FALSE(used.fits_in_with(too_much_rdma, capacity));
  EXPECT_FALSE(used.fits_in_with(unknown, capacity));
}

TEST(FormatTest, CpuMillis) {
  EXPECT_EQ(format_cpu_millis(2500), "2.5");
  EXPECT_EQ(format_cpu_millis(16000), "16");
  EXPECT_EQ(format_cpu_millis(250), "0.25");
  EXPECT_EQ(format_cpu_millis(0), "0");
}

TEST(FormatTest, Bytes) {
  EXPECT_EQ(format_bytes(int64_t{8} << 30), "8Gi");
  EXPECT_EQ(format_bytes(int64_t{64} << 30), "64Gi");
  EXPECT_EQ(format_bytes(int64_t{3} << 29), "1.5Gi");
  EXPECT_EQ(format_bytes(512), "512");
  EXPECT_EQ(format_bytes(2048), "2Ki");
  EXPECT_EQ(format_bytes(int64_t{512} << 20), "512Mi");
  EXPECT_EQ(format_bytes(int64_t{2} << 40), "2Ti");
}

TEST(FormatTest, NumberIsTheShortestTextThatReadsBack) {
  EXPECT_EQ(format_number(1), "1");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(1.25), "1.25");
  EXPECT_EQ(format_number(10000), "10000");
  EXPECT_EQ(format_number(0.1234567), "0.1234567");
  EXPECT_EQ(format_number(600000), "600000");
  EXPECT_EQ(format_number(1e7), "10000000");
}

TEST(FormatTest, GpuMilli) {
  EXPECT_EQ(format_gpu_milli(1500), "1.5");
  EXPECT_EQ(format_gpu_milli(300), "0.3");
  EXPECT_EQ(format_gpu_milli(4000), "4");
}

TEST(GpuDevicesTest, FitsOnChecksCountDistinctnessAndRoom) {
  GpuDevices devices(3);
  ASSERT_TRUE(devices.allocate({0}, 600));
  EXPECT_TRUE(devices.fits_on({0}, 400));       // a share on the device with 400 free
  EXPECT_FALSE(devices.fits_on({0}, 401));      // one milli-unit too many
  EXPECT_FALSE(devices.fits_on({0, 1}, 300));   // a share takes exactly one device
  EXPECT_TRUE(devices.fits_on({1, 2}, 2000));   // two whole free devices
  EXPECT_FALSE(devices.fits_on({0, 1}, 2000));  // device 0 is partly used
  EXPECT_FALSE(devices.fits_on({1, 1}, 2000));  // the same device twice
  EXPECT_FALSE(devices.fits_on({1}, 2000));     // too few devices
  EXPECT_FALSE(devices.fits_on({3}, 100));      // no such device
  EXPECT_TRUE(devices.fits_on({}, 0));
  EXPECT_FALSE(devices.fits_on({1}, 0));
}

}  // namespace
}  // namespace fulcrum
