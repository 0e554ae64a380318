#include "core/total_marks.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

const UtcTime t0 = utc_from_epoch_us(1'767'225'600'000'000);

TEST(TotalMarks, WithoutAMarkTheStoresFigureGoesOut) {
  TotalMarks marks;
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 12.5, t0), 12.5);
  EXPECT_TRUE(marks.holes().empty());
}

TEST(TotalMarks, AStoreBehindTheMarkIsHeldThereAndTheHoleSaidUntilItCatchesUp) {
  TotalMarks marks;
  EXPECT_TRUE(marks.raise(1, MarkedFigure::total, 2.102));
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 1.769, t0), 2.102);
  ASSERT_EQ(marks.holes().size(), 1U);
  EXPECT_NEAR(marks.holes()[0].published - marks.holes()[0].stored, 0.333, 1e-9);
  EXPECT_EQ(marks.holes()[0].since, t0);

  const UtcTime later = t0 + std::chrono::minutes{5};
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 2.0, later), 2.102);
  EXPECT_EQ(marks.holes()[0].since, t0) << "the hole began when first seen";
  EXPECT_DOUBLE_EQ(marks.holes()[0].stored, 2.0);

  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 2.2, later), 2.2) << "moves on";
  EXPECT_TRUE(marks.holes().empty());
}

TEST(TotalMarks, MarksOnlyRiseAndRefuseWhatIsNotAFigure) {
  TotalMarks marks;
  EXPECT_TRUE(marks.raise(1, MarkedFigure::pulses, 100));
  EXPECT_FALSE(marks.raise(1, MarkedFigure::pulses, 90));
  EXPECT_FALSE(marks.raise(1, MarkedFigure::pulses, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(marks.raise(1, MarkedFigure::pulses, -1));
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::pulses, 95, t0), 100);
  EXPECT_TRUE(marks.holes().empty()) << "only the total's hole is reported";
  EXPECT_DOUBLE_EQ(marks.hold(2, MarkedFigure::pulses, 5, t0), 5) << "marks are per meter";
}

TEST(TotalMarks, LessThanHalfAPulseIsRoundingNotAHole) {
  TotalMarks marks;
  marks.raise(1, MarkedFigure::total, 2.102); // as published with three decimals
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 2.1019999, t0, 0.0005), 2.102);
  EXPECT_TRUE(marks.holes().empty());
}

TEST(TotalMarks, AGoneMetersMarksAreForgotten) {
  TotalMarks marks;
  marks.raise(1, MarkedFigure::total, 5);
  marks.raise(2, MarkedFigure::total, 7);
  (void)marks.hold(2, MarkedFigure::total, 1, t0);
  marks.keep_only({1});
  EXPECT_DOUBLE_EQ(marks.hold(2, MarkedFigure::total, 1, t0), 1) << "a new meter 2 starts afresh";
  EXPECT_DOUBLE_EQ(marks.hold(1, MarkedFigure::total, 1, t0), 5);
  EXPECT_EQ(marks.holes().size(), 1U);
  EXPECT_EQ(marks.holes()[0].meter_id, 1);
}

TEST(TotalMarks, FiguresHaveNamesForTheFile) {
  for (const MarkedFigure figure : marked_figures) {
    EXPECT_EQ(marked_figure_named(to_string(figure)), figure);
  }
  EXPECT_FALSE(marked_figure_named("bogus"));
}

} // namespace
} // namespace pulsemon
