package io.distill.jobs.nightly;

/**
 * One row of the nights table ({@code <runs-root>/nights/}): one model of one night. The night is
 * the table's partition column ({@code nights/night=<id>/}), so a rerun of a night replaces its
 * rows and nothing else.
 *
 * @param dataVersion the fingerprint of the night's data (the content of its files)
 * @param rowsAdded training and validation rows beyond the champion's run (all of them on the first
 *     night)
 * @param teacherRowsLabelled rows the teacher labelled tonight (0 when the soft labels were reused)
 * @param teacherAgreement on the holdout, tonight's model against the teacher (fidelity)
 * @param newRowsAgreement the same on the rows added since the champion (fidelity drift; null when
 *     none was added)
 * @param champion the night it was compared with (null: none)
 * @param promoted whether the night became the champion; {@code reason} says why (the same for
 *     every model of a night)
 */
public record NightRecord(
    String night,
    String model,
    String role,
    String size,
    String dataVersion,
    String teacherSha256,
    long trainingRows,
    long validationRows,
    long rowsAdded,
    long teacherRowsLabelled,
    long holdoutExamples,
    long holdoutErrors,
    double holdoutAccuracy,
    double teacherAgreement,
    Double newRowsAgreement,
    String champion,
    Long championErrors,
    Double championAccuracy,
    boolean promoted,
    String reason,
    double softLabelSeconds,
    double studentSeconds,
    double totalSeconds) {}
