package dev.uapsync.uap;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RequestPacer}, on a fake clock.
 */
class RequestPacerTests {

	private long now;

	private final List<Long> sleeps = new ArrayList<>();

	private RequestPacer pacer(double requestsPerSecond) {
		return new RequestPacer(requestsPerSecond, () -> this.now, (nanos) -> {
			this.sleeps.add(nanos);
			this.now += nanos;
		});
	}

	@Test
	void requestsInQuickSuccessionWaitOneIntervalEach() throws Exception {
		RequestPacer pacer = pacer(10);

		pacer.awaitTurn();
		pacer.awaitTurn();
		pacer.awaitTurn();

		assertThat(this.sleeps).containsExactly(100_000_000L, 100_000_000L);
	}

	@Test
	void aRequestAfterALongerPauseDoesNotWait() throws Exception {
		RequestPacer pacer = pacer(4);
		pacer.awaitTurn();
		this.now += 300_000_000L;

		pacer.awaitTurn();

		assertThat(this.sleeps).isEmpty();
	}

	@Test
	void aRequestPartWayThroughTheIntervalWaitsTheRest() throws Exception {
		RequestPacer pacer = pacer(2);
		pacer.awaitTurn();
		this.now += 200_000_000L;

		pacer.awaitTurn();

		assertThat(this.sleeps).containsExactly(300_000_000L);
	}

	@Test
	void noLimitNeverWaits() throws Exception {
		RequestPacer pacer = pacer(0);

		for (int i = 0; i < 5; i++) {
			pacer.awaitTurn();
		}

		assertThat(this.sleeps).isEmpty();
	}

}
