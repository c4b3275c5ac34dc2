/*
 * djongo_app: arrays of documents and of values, edited as rows in a form.
 *
 * In the style of Django's admin/js/inlines.js, without jQuery: each array
 * (an element with data-djongo-array and data-prefix) holds its rows
 * (data-djongo-row) in a data-djongo-rows element, a <template> of an empty
 * row whose names contain "<prefix>-__prefix__", and the formset's
 * management form. "Add another" clones the template; a row can be removed
 * or moved up and down. After every change the rows are renumbered
 * ("<prefix>-<index>" in names, ids, labels and nested arrays' prefixes,
 * also inside nested templates) and TOTAL_FORMS is updated, so the server
 * reads the rows in their on-screen order. Arrays nest: the innermost
 * array around a button is the one it acts on.
 */
'use strict';
{
    const PLACEHOLDER = '__prefix__';
    const ATTRIBUTES = ['name', 'id', 'for', 'data-prefix', 'aria-describedby', 'aria-labelledby'];

    function escapeRegExp(text) {
        return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }

    // "<prefix>-<index>" where it starts a name, an id ("id_..."), or one
    // of several ids in an aria attribute.
    function indexPattern(prefix) {
        return new RegExp(
            '(^|\\s|id_)' + escapeRegExp(prefix) + '-(?:\\d+|' + PLACEHOLDER + ')(?=[-_]|$)',
            'g'
        );
    }

    function renumberElement(element, pattern, replacement) {
        for (const attribute of ATTRIBUTES) {
            const value = element.getAttribute(attribute);
            if (value !== null) {
                pattern.lastIndex = 0;
                if (pattern.test(value)) {
                    element.setAttribute(attribute, value.replace(pattern, replacement));
                }
            }
        }
        if (element.tagName === 'TEMPLATE') {
            renumberChildren(element.content, pattern, replacement);
        }
    }

    function renumberChildren(parent, pattern, replacement) {
        for (const element of parent.querySelectorAll('*')) {
            renumberElement(element, pattern, replacement);
        }
    }

    function renumber(row, prefix, index) {
        const pattern = indexPattern(prefix);
        const replacement = '$1' + prefix + '-' + index;
        renumberElement(row, pattern, replacement);
        renumberChildren(row, pattern, replacement);
    }

    // The elements matching selector that belong to this array or row, not
    // to an array nested in it.
    function own(scope, selector, boundary) {
        return Array.from(scope.querySelectorAll(selector)).filter(
            (element) => element.closest(boundary) === scope
        );
    }

    function rowsOf(array) {
        const container = own(array, '[data-djongo-rows]', '[data-djongo-array]')[0];
        return Array.from(container.children).filter((child) => child.matches('[data-djongo-row]'));
    }

    function limit(array, name) {
        const value = array.dataset[name];
        return value === undefined || value === '' ? null : parseInt(value, 10);
    }

    function totalFormsInput(array) {
        return array.querySelector(
            'input[name="' + CSS.escape(array.dataset.prefix + '-TOTAL_FORMS') + '"]'
        );
    }

    // Renumber the rows and bring the counters and buttons up to date.
    function update(array) {
        const prefix = array.dataset.prefix;
        const rows = rowsOf(array);
        const max = limit(array, 'maxRows');
        const min = limit(array, 'minRows');
        rows.forEach((row, index) => {
            renumber(row, prefix, index);
            for (const number of own(row, '[data-djongo-number]', '[data-djongo-row]')) {
                number.textContent = '#' + (index + 1);
            }
            for (const button of own(row, '[data-djongo-up]', '[data-djongo-row]')) {
                button.disabled = index === 0;
            }
            for (const button of own(row, '[data-djongo-down]', '[data-djongo-row]')) {
                button.disabled = index === rows.length - 1;
            }
            for (const button of own(row, '[data-djongo-remove]', '[data-djongo-row]')) {
                button.disabled = min !== null && rows.length <= min;
            }
        });
        totalFormsInput(array).value = rows.length;
        for (const button of own(array, '[data-djongo-add]', '[data-djongo-array]')) {
            button.disabled = max !== null && rows.length >= max;
        }
        array.dispatchEvent(new CustomEvent('djongo:rows-changed', {
            bubbles: true, detail: {prefix: prefix, count: rows.length}
        }));
    }

    // Give new inputs the admin's calendars and clocks, as inlines.js does.
    function initWidgets() {
        if (typeof window.DateTimeShortcuts !== 'undefined') {
            for (const shortcut of document.querySelectorAll('.datetimeshortcuts')) {
                shortcut.remove();
            }
            window.DateTimeShortcuts.init();
        }
    }

    function focusFirstInput(row) {
        const input = row.querySelector('input:not([type=hidden]), select, textarea');
        if (input) {
            input.focus();
        }
    }

    function addRow(array) {
        const template = own(array, 'template[data-djongo-template]', '[data-djongo-array]')[0];
        const container = own(array, '[data-djongo-rows]', '[data-djongo-array]')[0];
        const max = limit(array, 'maxRows');
        if (max !== null && rowsOf(array).length >= max) {
            return null;
        }
        const fragment = template.content.cloneNode(true);
        const row = fragment.firstElementChild;
        container.appendChild(fragment);
        update(array);
        for (const nested of row.querySelectorAll('[data-djongo-array]')) {
            update(nested);
        }
        initWidgets();
        row.dispatchEvent(new CustomEvent('djongo:row-added', {
            bubbles: true, detail: {prefix: array.dataset.prefix}
        }));
        return row;
    }

    function removeRow(row) {
        const array = row.closest('[data-djongo-array]');
        const rows = rowsOf(array);
        const index = rows.indexOf(row);
        row.remove();
        update(array);
        const remaining = rowsOf(array);
        const next = remaining[Math.min(index, remaining.length - 1)];
        const focus = next ? own(next, '[data-djongo-remove]', '[data-djongo-row]')[0] : null;
        (focus || own(array, '[data-djongo-add]', '[data-djongo-array]')[0]).focus();
    }

    function moveRow(row, offset) {
        const array = row.closest('[data-djongo-array]');
        const rows = rowsOf(array);
        const index = rows.indexOf(row);
        const target = rows[index + offset];
        if (!target) {
            return;
        }
        if (offset < 0) {
            target.before(row);
        } else {
            target.after(row);
        }
        update(array);
    }

    document.addEventListener('click', (event) => {
        const button = event.target.closest(
            '[data-djongo-add], [data-djongo-remove], [data-djongo-up], [data-djongo-down]'
        );
        if (!button || button.disabled) {
            return;
        }
        event.preventDefault();
        if (button.hasAttribute('data-djongo-add')) {
            const row = addRow(button.closest('[data-djongo-array]'));
            if (row) {
                focusFirstInput(row);
            }
            return;
        }
        const row = button.closest('[data-djongo-row]');
        if (button.hasAttribute('data-djongo-remove')) {
            removeRow(row);
        } else {
            moveRow(row, button.hasAttribute('data-djongo-up') ? -1 : 1);
            button.focus();
        }
    });

    // Django's inlines.js renumbers the names, ids and labels of the inline
    // forms it adds and removes, not the prefixes and templates of the
    // arrays inside them: bring those in line too.
    document.addEventListener('formset:added', (event) => {
        const prefix = event.detail && event.detail.formsetName;
        const row = event.target;
        const match = prefix && row.id && row.id.match(
            new RegExp('^' + escapeRegExp(prefix) + '-(\\d+)$')
        );
        if (!match) {
            return;
        }
        renumber(row, prefix, match[1]);
        for (const array of row.querySelectorAll('[data-djongo-array]')) {
            update(array);
        }
    });

    document.addEventListener('formset:removed', (event) => {
        const prefix = event.detail && event.detail.formsetName;
        if (prefix) {
            document.querySelectorAll('.dynamic-' + CSS.escape(prefix)).forEach((row, index) => {
                renumber(row, prefix, index);
            });
        }
    });

    function init() {
        for (const array of document.querySelectorAll('[data-djongo-array]')) {
            update(array);
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
}
