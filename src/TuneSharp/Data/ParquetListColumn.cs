using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace TuneSharp.Data;

/// <summary>One row's cell of a Parquet list column: the list (null for a null list), or why the row cannot be used.</summary>
internal readonly record struct ParquetListCell(ListCell? List, string? Problem);

/// <summary>
/// A top-level Parquet list column of strings or integers: the standard three-level LIST group that pyarrow and Hugging
/// Face datasets write (<see cref="ListField"/>), or a repeated primitive (<see cref="DataField.IsArray"/>). Its leaf is
/// read whole per row group with its definition and repetition levels, and the rows are put back together from them: a
/// repetition level of 0 starts a row; a definition level at the leaf's maximum is a value, one at or above the repeated
/// node's level (but below the maximum) a null item, one just below it an empty list, and anything lower a null list.
/// </summary>
internal sealed class ParquetListColumn
{
    private readonly int _repeatedLevel;
    private readonly bool _strings;
    private readonly BadRowSink _sink;

    private ParquetListColumn(string column, DataField leaf, int repeatedLevel, BadRowSink sink)
    {
        Column = column;
        Leaf = leaf;
        _repeatedLevel = repeatedLevel;
        _strings = IsString(leaf.ClrType);
        _sink = sink;
    }

    /// <summary>The column's name.</summary>
    public string Column { get; }

    /// <summary>The data field that holds the items.</summary>
    public DataField Leaf { get; }

    /// <summary>The reader of <paramref name="field"/>, or a fatal error saying why it is not a list of strings or integers.</summary>
    public static ParquetListColumn For(Field? field, string column, BadRowSink sink)
    {
        var (leaf, repeatedLevel) = field switch
        {
            ListField { Item: DataField item } list => (item, list.MaxDefinitionLevel),
            DataField { IsArray: true } array => (array, array.MaxDefinitionLevel),
            DataField flat => throw sink.Fatal(null, column, $"{JsonValues.ExpectedList}, found a flat column of {Describe(flat.ClrType)}."),
            _ => throw sink.Fatal(null, column, $"{JsonValues.ExpectedList}, found a nested column ({field?.SchemaType.ToString() ?? "unknown"}) whose items are not plain values."),
        };
        if (!IsString(leaf.ClrType) && !IsInteger(leaf.ClrType))
            throw sink.Fatal(null, column, $"{JsonValues.ExpectedList}, found a list of {Describe(leaf.ClrType)}.");
        if (leaf.MaxRepetitionLevel != 1 || repeatedLevel < 1 || repeatedLevel > leaf.MaxDefinitionLevel)
            throw sink.Fatal(null, column, $"{JsonValues.ExpectedList}, found a list nested in another list.");
        return new ParquetListColumn(column, leaf, repeatedLevel, sink);
    }

    /// <summary>The cells of the <paramref name="rowCount"/> rows of a row group.</summary>
    public async Task<ParquetListCell[]> ReadAsync(ParquetRowGroupReader reader, int rowCount)
    {
        using var raw = await reader.ReadRawColumnDataBaseAsync(Leaf);
        return _strings
            ? Assemble(raw, ((RawColumnData<ReadOnlyMemory<char>>)raw).Values, rowCount, v => v.ToString())
            : Leaf.ClrType == typeof(int) ? Assemble(raw, ((RawColumnData<int>)raw).Values, rowCount, v => (long)v)
            : Leaf.ClrType == typeof(long) ? Assemble(raw, ((RawColumnData<long>)raw).Values, rowCount, v => v)
            : Leaf.ClrType == typeof(short) ? Assemble(raw, ((RawColumnData<short>)raw).Values, rowCount, v => (long)v)
            : Leaf.ClrType == typeof(sbyte) ? Assemble(raw, ((RawColumnData<sbyte>)raw).Values, rowCount, v => (long)v)
            : Leaf.ClrType == typeof(byte) ? Assemble(raw, ((RawColumnData<byte>)raw).Values, rowCount, v => (long)v)
            : Leaf.ClrType == typeof(ushort) ? Assemble(raw, ((RawColumnData<ushort>)raw).Values, rowCount, v => (long)v)
            : Leaf.ClrType == typeof(uint) ? Assemble(raw, ((RawColumnData<uint>)raw).Values, rowCount, v => (long)v)
            : Assemble(raw, ((RawColumnData<ulong>)raw).Values, rowCount, v => v <= long.MaxValue ? (long)v : throw new OverflowException());
    }

    /// <summary>Rows from the levels; <paramref name="values"/> holds the present items in order, the rest unused.</summary>
    private ParquetListCell[] Assemble<T, TItem>(RawColumnData raw, Span<T> values, int rowCount, Func<T, TItem> convert)
    {
        var definitions = raw.DefinitionLevels;
        var repetitions = raw.RepetitionLevels;
        if (definitions.Length != repetitions.Length)
            throw _sink.Fatal(null, Column, $"the column's data is damaged: {definitions.Length} definition levels but {repetitions.Length} repetition levels.");
        var maxDefinition = Leaf.MaxDefinitionLevel;
        var cells = new ParquetListCell[rowCount];
        var row = -1;
        var next = 0; // the next present value
        List<TItem>? items = null;
        string? problem = null;
        for (var i = 0; i < definitions.Length; i++)
        {
            if (repetitions[i] == 0)
            {
                if (row >= 0) cells[row] = Cell(items, problem);
                if (++row >= rowCount)
                    throw _sink.Fatal(null, Column, $"the column's data is damaged: it holds more lists than the row group's {rowCount} rows.");
                items = null;
                problem = null;
            }
            else if (row < 0)
            {
                throw _sink.Fatal(null, Column, "the column's data is damaged: its first entry continues a list that never began.");
            }
            var definition = definitions[i];
            if (definition == maxDefinition)
            {
                if (next >= values.Length)
                    throw _sink.Fatal(null, Column, "the column's data is damaged: its levels claim more values than it holds.");
                TItem item;
                try { item = convert(values[next++]); }
                catch (OverflowException) { problem ??= $"item {(items?.Count ?? 0) + 1} of the list is larger than a 64-bit integer; {JsonValues.ExpectedList}."; continue; }
                (items ??= []).Add(item);
            }
            else if (definition >= _repeatedLevel)
            {
                problem ??= $"item {(items?.Count ?? 0) + 1} of the list is null; {JsonValues.ExpectedList}, without nulls.";
                (items ??= []).Add(default!);
            }
            else
            {
                // An empty list (just below the repeated level) or a null one (lower still).
                items = definition == _repeatedLevel - 1 ? [] : null;
            }
        }
        if (row >= 0) cells[row] = Cell(items, problem);
        if (row + 1 != rowCount)
            throw _sink.Fatal(null, Column, $"the column's data is damaged: it holds {row + 1} lists for the row group's {rowCount} rows.");
        return cells;
    }

    private static ParquetListCell Cell<TItem>(List<TItem>? items, string? problem) => problem is not null
        ? new ParquetListCell(null, problem)
        : items is null ? new ParquetListCell(null, null)
        : items is List<string> strings ? new ParquetListCell(ListCell.OfStrings(strings), null)
        : new ParquetListCell(ListCell.OfIntegers((List<long>)(object)items), null);

    // Parquet.Net gives UTF-8 string leaves as ReadOnlyMemory<char>.
    private static bool IsString(Type type) => type == typeof(ReadOnlyMemory<char>);

    private static bool IsInteger(Type type) =>
        type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) ||
        type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(ulong);

    private static string Describe(Type type) =>
        IsString(type) ? "strings" : IsInteger(type) ? "integers"
        : type == typeof(bool) ? "booleans"
        : type == typeof(float) || type == typeof(double) ? "floating-point numbers"
        : $"{type.Name} values";
}
