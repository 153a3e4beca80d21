import { MetricNames, MetricUnits, prometheusMetricName } from '@perimeter/schema';

/**
 * Prometheus names of the metrics the collector derives from events. Only the auth-failures
 * counter is in ARCHITECTURE.md's table so far; the others are defined here until they move to
 * @perimeter/schema's CollectorMetricNames.
 */
export const DerivedMetricNames = {
  authFailures: prometheusMetricName(
    MetricNames.authFailures,
    MetricUnits[MetricNames.authFailures],
    'counter',
  ),
  authLogins: 'perimeter_auth_logins_total',
  driftFleetOutlier: 'perimeter_drift_fleet_outlier',
  driftFleetNodes: 'perimeter_drift_fleet_nodes',
  deriveSkippedEvents: 'perimeter_derive_skipped_events_total',
  auditEvents: 'perimeter_audit_events_total',
} as const;
