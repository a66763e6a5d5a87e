/**
 * Discreet giving (ADR 051): a discreet campaign's one-off givers are erased this many days after
 * their last gift, whatever the organisation's general retention period. Shared by the retention
 * job, the campaign editor and the privacy page.
 */
export const DISCREET_ONE_OFF_RETENTION_DAYS = 90;
