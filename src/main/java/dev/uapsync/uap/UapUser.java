package dev.uapsync.uap;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One user as the UAP sent it, before any normalization.
 *
 * @param offset the user's position in the UAP's list during this sync (the {@code skip}
 * that would start a page at it)
 * @param mobile the raw {@code mobile}, or {@code null} when absent
 * @param name the raw {@code name}, or {@code null} when absent
 * @param englishName the raw {@code english_name}, or {@code null} when absent
 * @param problem why the record cannot be read as a user (not an object, a field of the
 * wrong JSON type), or {@code null} when it can
 * @param source the record's JSON, kept so that a reject stores it exactly as received
 */
public record UapUser(long offset, @Nullable String mobile, @Nullable String name, @Nullable String englishName,
		@Nullable String problem, JsonNode source) {

	/**
	 * Returns the record's JSON text as received (field order kept).
	 * @return the JSON text
	 */
	public String sourceJson() {
		return this.source.toString();
	}

}
