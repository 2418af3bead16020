package dev.uapsync.uap;

import java.util.List;

/**
 * One page of the UAP's user list.
 *
 * @param offset the {@code skip} the page was asked for
 * @param total the number of users the UAP reported holding when it answered
 * @param users the users of the page, in the UAP's order; possibly fewer than asked for
 */
public record UapPage(long offset, long total, List<UapUser> users) {

}
