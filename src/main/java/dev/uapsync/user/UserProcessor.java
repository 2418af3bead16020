package dev.uapsync.user;

import org.springframework.batch.infrastructure.item.ItemProcessor;

import dev.uapsync.uap.UapUser;
import dev.uapsync.user.SyncItem.NormalizedUser;
import dev.uapsync.user.SyncItem.RejectedUser;

/**
 * Turns each UAP record into a {@link NormalizedUser} or, when it fails validation, a
 * {@link RejectedUser} naming the reason. It never filters: every record it is given
 * comes out as one of the two. Stateless and thread safe.
 */
public class UserProcessor implements ItemProcessor<UapUser, SyncItem> {

	@Override
	public SyncItem process(UapUser user) {
		if (user.problem() != null) {
			return new RejectedUser(user, user.problem());
		}
		String mobile = UserNormalizer.mobile(user.mobile());
		if (mobile == null || mobile.isEmpty()) {
			return new RejectedUser(user, "mobile is missing");
		}
		if (!UserNormalizer.isValidMobile(mobile)) {
			return new RejectedUser(user, "mobile is not 5 to 20 digits with an optional leading +");
		}
		String name = UserNormalizer.name(user.name());
		if (UserNormalizer.length(name) > UserNormalizer.MAX_NAME_LENGTH) {
			return new RejectedUser(user, tooLong("name", name));
		}
		String englishName = UserNormalizer.name(user.englishName());
		if (UserNormalizer.length(englishName) > UserNormalizer.MAX_NAME_LENGTH) {
			return new RejectedUser(user, tooLong("english_name", englishName));
		}
		return new NormalizedUser(mobile, name, englishName);
	}

	private static String tooLong(String field, String value) {
		return field + " is " + UserNormalizer.length(value) + " characters after normalization, more than "
				+ UserNormalizer.MAX_NAME_LENGTH;
	}

}
