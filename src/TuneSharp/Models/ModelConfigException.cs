namespace TuneSharp.Models;

/// <summary>
/// A model's config.json cannot be used: the file is missing or not valid JSON, a field has the wrong type
/// or an impossible value, or the <c>model_type</c> is not one this library implements. The message names
/// the file and the field and says what was expected.
/// </summary>
public class ModelConfigException : TuneSharpException
{
    public ModelConfigException(string message) : base(message) { }
    public ModelConfigException(string message, Exception inner) : base(message, inner) { }
}
