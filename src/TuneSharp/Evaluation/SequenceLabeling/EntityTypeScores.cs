namespace TuneSharp.Evaluation.SequenceLabeling;

/// <summary>Entity-level scores of one entity type, as one row of seqeval's classification_report.</summary>
/// <param name="Type">The entity type, e.g. "PER".</param>
/// <param name="Precision">Correct / Predicted; 0 when no entity of the type was predicted (seqeval's zero_division default).</param>
/// <param name="Recall">Correct / Support; 0 when the labels hold no entity of the type.</param>
/// <param name="F1">2·P·R / (P + R); 0 when P + R = 0.</param>
/// <param name="Support">Entities of the type in the labels (run_ner's "number").</param>
/// <param name="Predicted">Entities of the type in the predictions.</param>
/// <param name="Correct">Predicted entities with exactly a labelled entity's type, sentence, start and end.</param>
public sealed record EntityTypeScores(string Type, double Precision, double Recall, double F1, int Support, int Predicted, int Correct);
