package io.distill.jobs.pipeline;

/**
 * What validation decided for one size with a teacher assistant: the assistant (the distilled
 * student it learned from), both students' best validation accuracy, and which one became the
 * size's distilled student.
 *
 * @param assistedModel the assisted student's own model name ({@code
 *     <size>-via-<assistant>-distilled})
 * @param assisted whether the assisted student won (then it is the size's distilled student)
 */
public record AssistantChoice(
    String size,
    String assistant,
    String assistedModel,
    double directValidationAccuracy,
    double assistedValidationAccuracy,
    boolean assisted) {

  /** One line for the log and the report. */
  public String line() {
    return String.format(
        java.util.Locale.ROOT,
        "%s: distilled from the teacher %.2f %% on validation, through the %s student (teacher"
            + " assistant) %.2f %%: %s",
        size,
        100 * directValidationAccuracy,
        assistant,
        100 * assistedValidationAccuracy,
        assisted ? "the assistant's student is the size's distilled student" : "the teacher's");
  }
}
