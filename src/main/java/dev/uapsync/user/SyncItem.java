package dev.uapsync.user;

import org.jspecify.annotations.Nullable;

import dev.uapsync.uap.UapUser;

/**
 * What processing makes of one UAP record: a user to mirror, or a reject to record. Every
 * record read becomes exactly one of the two, so none is dropped silently.
 */
public sealed interface SyncItem permits SyncItem.NormalizedUser, SyncItem.RejectedUser {

	/**
	 * A valid user with normalized fields, ready to be upserted.
	 *
	 * @param mobile the normalized mobile, the key
	 * @param name the normalized name, or {@code null}
	 * @param englishName the normalized English name, or {@code null}
	 */
	record NormalizedUser(String mobile, @Nullable String name, @Nullable String englishName) implements SyncItem {

	}

	/**
	 * A record refused by validation.
	 *
	 * @param source the record as received
	 * @param reason why it was refused, e.g. {@code mobile is missing}
	 */
	record RejectedUser(UapUser source, String reason) implements SyncItem {

	}

}
