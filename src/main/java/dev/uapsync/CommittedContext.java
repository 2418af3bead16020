package dev.uapsync;

import java.util.HashMap;
import java.util.Map;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Puts restart state into a step's execution context so that it stands only if the
 * chunk's transaction commits.
 *
 * <p>
 * Spring Batch calls {@code ItemStream.update} inside the chunk's transaction, before the
 * commit, on the step's one in-memory context. When the commit (or the repository update
 * just before it) fails, the transaction rolls back but that context keeps the new
 * values, and the step saves it once more as it fails: a restart would then resume after
 * users that were never written. So the values a chunk puts are taken back, to those of
 * the last commit, when its transaction rolls back.
 */
public final class CommittedContext {

	private CommittedContext() {
	}

	/**
	 * Puts values into the context, to be taken back if the current transaction rolls
	 * back. Outside a transaction they are simply put.
	 * @param context the step's execution context
	 * @param values the values to put
	 */
	public static void put(ExecutionContext context, Map<String, ?> values) {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			Map<String, Object> previous = new HashMap<>();
			values.keySet().forEach((key) -> previous.put(key, context.get(key)));
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCompletion(int status) {
					if (status != STATUS_COMMITTED) {
						previous.forEach((key, value) -> {
							if (value != null) {
								context.put(key, value);
							}
							else {
								context.remove(key);
							}
						});
					}
				}
			});
		}
		values.forEach(context::put);
	}

}
