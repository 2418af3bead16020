package dev.uapsync.uap;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetryAfter}.
 */
class RetryAfterTests {

	private static final Instant NOW = Instant.parse("2026-12-03T02:00:00Z");

	@Test
	void secondsAreReadAsTheWait() {
		assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofSeconds(120));
		assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
	}

	@Test
	void anHttpDateIsReadAsTheTimeUntilThen() {
		assertThat(RetryAfter.parse("Thu, 03 Dec 2026 02:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void aDateInThePastMeansNoWait() {
		assertThat(RetryAfter.parse("Thu, 03 Dec 2026 01:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
	}

	@Test
	void aValueTooLargeForAnyClockIsReadAsTheLongestWait() {
		assertThat(RetryAfter.parse("99999999999999999", NOW)).isEqualTo(RetryAfter.LONGEST);
		assertThat(RetryAfter.parse("999999999999999999999999", NOW)).isEqualTo(RetryAfter.LONGEST);
	}

	@Test
	void anAbsentNegativeOrUnreadableValueGivesNoWait() {
		assertThat(RetryAfter.parse(null, NOW)).isNull();
		assertThat(RetryAfter.parse("", NOW)).isNull();
		assertThat(RetryAfter.parse("-5", NOW)).isNull();
		assertThat(RetryAfter.parse("soon", NOW)).isNull();
	}

}
