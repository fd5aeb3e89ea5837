/**
 * Document symbols: the outline of a file — imports, constants, layers (with their params,
 * device variables, lets and forward), networks (with inputs, nodes and bindings) and train
 * blocks — straight from the AST, so it works on files that do not check.
 */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type * as A from "../grammar/ast.js";
import { toRange } from "./positions.js";

function sym(name: string, detail: string, kind: SymbolKind, node: { span: A.AnyNode["span"] }, id: { span: A.AnyNode["span"] }, children?: DocumentSymbol[]): DocumentSymbol {
  return { name: name || "?", detail, kind, range: toRange(node.span), selectionRange: toRange(id.span), ...(children ? { children } : {}) };
}

function layerMember(m: A.LayerMember): DocumentSymbol {
  switch (m.kind) {
    case "Trainable": return sym(m.name.name, "param", SymbolKind.Field, m, m.name);
    case "Device": return sym(m.name.name, m.perShot ? "device (per shot)" : "device", SymbolKind.Variable, m, m.name);
    case "External": return sym("external", "external device", SymbolKind.Event, m, m);
    case "Let": return sym(m.name.name, "let", SymbolKind.Variable, m, m.name);
    case "Forward": return sym("forward", `(${m.input.name}) -> ${m.outputType.base}`, SymbolKind.Method, m, m);
  }
}

function networkItem(i: A.NetworkItem): DocumentSymbol {
  switch (i.kind) {
    case "Input": return sym(i.name.name, "input", SymbolKind.Variable, i, i.name);
    case "Nodes": return sym(i.name.name, "nodes", SymbolKind.Variable, i, i.name);
    case "OutputNodes": return sym(i.name.name, "output nodes", SymbolKind.Variable, i, i.name);
    case "Binding": return sym(i.name.name, i.isOutput ? "output" : "binding", SymbolKind.Variable, i, i.name);
    case "Couple": return sym(`${i.from.name} ${i.symmetric ? "<->" : "->"} ${i.to.name}`, "couple", SymbolKind.Event, i, i);
  }
}

export function documentSymbols(p: A.Program): DocumentSymbol[] {
  return p.items.map((item) => {
    switch (item.kind) {
      case "Import": return sym(item.name.name, `"${item.from.value}"`, SymbolKind.Module, item, item.name);
      case "Const": return sym(item.name.name, "const", SymbolKind.Constant, item, item.name);
      case "Layer": return sym(item.name.name, "layer", SymbolKind.Class, item, item.name, item.members.map(layerMember));
      case "Network": return sym(item.name.name, "network", SymbolKind.Module, item, item.name, item.items.map(networkItem));
      case "Train": return sym(`train ${item.network.name}`, "train", SymbolKind.Event, item, item.network, item.settings.map((s) => sym(s.key.name, "setting", SymbolKind.Property, s, s.key)));
    }
  });
}
