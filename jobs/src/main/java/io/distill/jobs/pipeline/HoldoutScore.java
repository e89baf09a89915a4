package io.distill.jobs.pipeline;

/**
 * One model of tonight's sweep (the challenger) and the same-named model of the champion's run,
 * scored side by side on tonight's holdout: the validation rows, which no student of this or an
 * earlier night trained on when {@code data.validation-fraction} chooses them. The champion's
 * figures are null when it has no such model (a size new tonight) or there is no champion.
 *
 * @param teacherAgreement the share of holdout rows where tonight's model and the teacher predict
 *     the same class
 * @param newRowsAgreement the same share over the rows added since the champion's run (all rows on
 *     the first night): how faithful the student stays to the teacher on the data that changes;
 *     null when no row was added
 */
public record HoldoutScore(
    String model,
    String role,
    String size,
    long examples,
    long errors,
    double accuracy,
    double teacherAgreement,
    Long championErrors,
    Double championAccuracy,
    Double newRowsAgreement) {

  /** Whether the champion has this model. */
  public boolean contested() {
    return championErrors != null;
  }
}
