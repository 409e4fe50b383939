/*
 * Switchboard embeddable form. Put it on your page:
 *
 *   <div id="switchboard-form"></div>
 *   <script src="https://PLATFORM/forms/TENANT/FORM/embed.js" data-target="#switchboard-form"
 *           data-lang="zh" async></script>
 *
 * It fetches the form's definition (FORM.json, CORS: your origin must be on the form's
 * allow-list), renders it into the target element, submits to the JSON endpoint with fetch
 * (an Idempotency-Key per rendering, so a retry never files twice), shows the messages for
 * each field and, once accepted, the reference number. Text is set with textContent only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    return;
  }
  var base = script.src.split("#")[0].split("?")[0].replace(/\/embed\.js$/, "");
  var target = document.querySelector(script.getAttribute("data-target") || "#switchboard-form");
  if (!target) {
    target = document.createElement("div");
    script.parentNode.insertBefore(target, script.nextSibling);
  }
  var requested = script.getAttribute("data-lang") || (navigator.language || "").slice(0, 2);

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === true) {
        node.setAttribute(name, "");
      } else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(name, String(value));
      }
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function labelFor(field, id) {
    var label = element("label", { "for": id }, field.label);
    if (field.required) {
      label.appendChild(element("span", { "class": "sbf-required" }, " (" + state.definition.required_label + ")"));
    }
    return label;
  }

  function input(field) {
    var id = "sbf-" + field.name;
    var wrapper = element("div", { "class": "sbf-field sbf-" + field.type, "data-field": field.name });
    var control;
    if (field.type === "rating") {
      var group = element("fieldset", { "class": "sbf-rating" });
      group.appendChild(element("legend", {}, field.label + (field.required ? " (" + state.definition.required_label + ")" : "")));
      field.scale.forEach(function (value) {
        var option = element("label");
        option.appendChild(element("input", { type: "radio", name: field.name, value: value }));
        option.appendChild(document.createTextNode(" " + value + " "));
        group.appendChild(option);
      });
      wrapper.appendChild(group);
    } else if (field.type === "checkbox") {
      var box = element("label");
      box.appendChild(element("input", { type: "checkbox", name: field.name, id: id, value: "on" }));
      box.appendChild(document.createTextNode(" " + field.label));
      wrapper.appendChild(box);
    } else {
      wrapper.appendChild(labelFor(field, id));
      if (field.type === "textarea") {
        control = element("textarea", { name: field.name, id: id, maxlength: field.max_length, rows: 6 });
      } else if (field.type === "select") {
        control = element("select", { name: field.name, id: id });
        control.appendChild(element("option", { value: "" }, state.definition.choose_label));
        field.options.forEach(function (option) {
          control.appendChild(element("option", { value: option.value }, option.label));
        });
      } else {
        var types = { email: "email", phone: "tel", date: "date" };
        control = element("input", {
          type: types[field.type] || "text",
          name: field.name,
          id: id,
          maxlength: field.max_length
        });
      }
      wrapper.appendChild(control);
    }
    if (field.help) {
      wrapper.appendChild(element("p", { "class": "sbf-help" }, field.help));
    }
    wrapper.appendChild(element("p", { "class": "sbf-error", role: "alert", hidden: true }));
    return wrapper;
  }

  var state = { definition: null, form: null, key: newKey() };

  function render(definition) {
    state.definition = definition;
    var form = element("form", { "class": "sbf-form", novalidate: true, lang: definition.language });
    form.appendChild(element("h2", { "class": "sbf-title" }, definition.title));
    if (definition.intro) {
      form.appendChild(element("p", { "class": "sbf-intro" }, definition.intro));
    }
    form.appendChild(element("div", { "class": "sbf-summary", role: "alert", hidden: true }));
    definition.fields.forEach(function (field) {
      form.appendChild(input(field));
    });
    if (definition.attachments) {
      var files = element("div", { "class": "sbf-field sbf-attachments", "data-field": definition.attachments.field });
      files.appendChild(element("label", { "for": "sbf-attachments" }, definition.attachments.label));
      files.appendChild(element("input", {
        type: "file",
        id: "sbf-attachments",
        name: definition.attachments.field,
        multiple: true,
        accept: definition.attachments.types.join(",")
      }));
      files.appendChild(element("p", { "class": "sbf-help" }, definition.attachments.help));
      files.appendChild(element("p", { "class": "sbf-error", role: "alert", hidden: true }));
      form.appendChild(files);
    }
    var trap = element("div", { "aria-hidden": "true", style: "position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden" });
    trap.appendChild(element("label", { "for": "sbf-hp" }, definition.honeypot_label));
    trap.appendChild(element("input", { type: "text", id: "sbf-hp", name: definition.honeypot_field, tabindex: "-1", autocomplete: "off" }));
    form.appendChild(trap);
    if (definition.captcha) {
      var captcha = element("div", { "class": "sbf-field", "data-field": "captcha_token" });
      captcha.appendChild(element("div", { "class": definition.captcha.element_class, "data-sitekey": definition.captcha.site_key }));
      captcha.appendChild(element("p", { "class": "sbf-error", role: "alert", hidden: true }));
      form.appendChild(captcha);
      document.head.appendChild(element("script", { src: definition.captcha.script_url, async: true, defer: true }));
    }
    form.appendChild(element("button", { type: "submit", "class": "sbf-submit" }, definition.submit_label));
    form.addEventListener("submit", submit);
    target.textContent = "";
    target.appendChild(form);
    state.form = form;
  }

  function captchaToken(data) {
    var names = ["captcha_token", "h-captcha-response", "cf-turnstile-response"];
    for (var i = 0; i < names.length; i++) {
      var value = data.get(names[i]);
      if (value) {
        return String(value);
      }
    }
    return null;
  }

  function body(form) {
    var data = new FormData(form);
    var files = data.getAll("attachments").filter(function (file) {
      return file && file.size > 0;
    });
    if (files.length) {
      data.delete("attachments");
      files.forEach(function (file) {
        data.append("attachments", file, file.name);
      });
      data.set("language", state.definition.language);
      return { body: data, headers: {} };
    }
    var fields = {};
    state.definition.fields.forEach(function (field) {
      if (field.type === "checkbox") {
        fields[field.name] = data.get(field.name) === "on";
      } else if (data.get(field.name) !== null) {
        fields[field.name] = String(data.get(field.name));
      }
    });
    var payload = {
      fields: fields,
      language: state.definition.language,
      website: String(data.get(state.definition.honeypot_field) || "")
    };
    var token = captchaToken(data);
    if (token) {
      payload.captcha_token = token;
    }
    return { body: JSON.stringify(payload), headers: { "Content-Type": "application/json" } };
  }

  function clearErrors() {
    Array.prototype.forEach.call(state.form.querySelectorAll(".sbf-error, .sbf-summary"), function (node) {
      node.textContent = "";
      node.hidden = true;
    });
    Array.prototype.forEach.call(state.form.querySelectorAll(".sbf-invalid"), function (node) {
      node.classList.remove("sbf-invalid");
    });
  }

  function showSummary(text) {
    var summary = state.form.querySelector(".sbf-summary");
    summary.textContent = text || state.definition.messages.unavailable;
    summary.hidden = false;
  }

  function showErrors(answer) {
    showSummary(answer.detail);
    (answer.errors || []).forEach(function (problem) {
      var wrapper = state.form.querySelector('[data-field="' + CSS.escape(problem.field) + '"]');
      if (!wrapper) {
        return;
      }
      wrapper.classList.add("sbf-invalid");
      var slot = wrapper.querySelector(".sbf-error");
      slot.textContent = slot.textContent ? slot.textContent + " " + problem.message : problem.message;
      slot.hidden = false;
    });
  }

  function showDone(answer) {
    var done = element("div", { "class": "sbf-done", role: "status" });
    done.appendChild(element("p", { "class": "sbf-thanks" }, answer.message));
    done.appendChild(element("p", { "class": "sbf-reference" }, answer.reference));
    done.appendChild(element("p", {}, state.definition.messages.keep_reference));
    target.textContent = "";
    target.appendChild(done);
  }

  function submit(event) {
    event.preventDefault();
    clearErrors();
    var button = state.form.querySelector(".sbf-submit");
    var request = body(state.form);
    request.headers["Idempotency-Key"] = state.key;
    button.disabled = true;
    fetch(state.definition.submit_url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: request.headers,
      body: request.body
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (answer) {
        if (response.status === 200 || response.status === 201) {
          showDone(answer);
        } else if (answer.errors && answer.errors.length) {
          showErrors(answer);
        } else {
          showSummary(answer.detail);
        }
      });
    }).catch(function () {
      showSummary(null);
    }).then(function () {
      button.disabled = false;
    });
  }

  fetch(base + ".json?lang=" + encodeURIComponent(requested), { mode: "cors", credentials: "omit" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("form definition: HTTP " + response.status);
      }
      return response.json();
    })
    .then(render)
    .catch(function (error) {
      target.textContent = "The form cannot be loaded (" + error.message + ").";
    });
})();
